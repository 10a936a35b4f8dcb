package io.github.errorpages.internal;

import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import java.net.ConnectException;
import java.net.SocketTimeoutException;

/**
 * Classifies the JDK's network exceptions in a JVM whose boot layer has no {@code java.net.http}, as an application
 * module that does not require it runs this library's automatic modules ({@link WithoutJavaNetHttpIntegrationTests}).
 */
public final class WithoutJavaNetHttpProbe {

    private WithoutJavaNetHttpProbe() {
    }

    public static void main(String[] args) {
        System.out.println("java.net.http: " + ModuleLayer.boot().findModule("java.net.http").isPresent());
        FailureClassifier classifier = FailureClassifier.ofDefaults();
        System.out.println("refused: " + classifier.classify(new ConnectException("Connection refused"))
                .map(UpstreamFailure::cause).map(cause -> cause.token()).orElse("unclassified"));
        System.out.println("read timeout: " + classifier.classify(new SocketTimeoutException("Read timed out"))
                .map(UpstreamFailure::cause).map(cause -> cause.token()).orElse("unclassified"));
    }
}
