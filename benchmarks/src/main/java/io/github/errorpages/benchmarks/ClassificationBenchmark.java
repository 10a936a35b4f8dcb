package io.github.errorpages.benchmarks;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The error path before rendering: classifying a deep cause chain, as the JDK HttpClient and the usual
 * wrappers produce it, and deciding status and Retry-After (issue 7, item 1).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
public class ClassificationBenchmark {

    private FailureClassifier classifier;
    private ErrorPolicy policy;
    private Throwable deepChain;
    private UpstreamFailure failure;

    @Setup
    public void setUp() {
        classifier = FailureClassifier.of(List.of());
        policy = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());
        // ExecutionException > CompletionException > UncheckedIOException > IOException > ConnectException
        // > UnresolvedAddressException: six levels, the DNS error at the bottom must win.
        ConnectException connect = new ConnectException();
        connect.initCause(new UnresolvedAddressException());
        deepChain = new ExecutionException(new CompletionException(
                new UncheckedIOException(new IOException("send failed", connect))));
        failure = classifier.classify(deepChain).orElseThrow();
    }

    @Benchmark
    public UpstreamFailure classifyDeepCauseChain() {
        return classifier.classify(deepChain).orElseThrow();
    }

    @Benchmark
    public ErrorDecision decide() {
        return policy.decide(failure);
    }
}
