package io.github.errorpages.servlet;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpTester;

/**
 * Run in a JVM of its own, started with {@code javax.net.ssl.*} system properties the JVM cannot make its default TLS
 * context from (the JVM makes it once, and keeps it): builds a proxy, and prints what the build threw, or else what
 * a request through it was answered.
 *
 * <p>Arguments, both optional: the transport ({@code JETTY}, the default, or {@code JDK}), and the scheme of the
 * upstream's only endpoint: {@code https} (the default), for which the proxy takes the JVM's default context, and
 * only builds; {@code https,http}, two endpoints, the same; or {@code http}, for which the probe starts a real
 * upstream and forwards a request to it.
 */
final class DefaultTlsContextProbe {

    private DefaultTlsContextProbe() {
    }

    /**
     * {@code javax.net.ssl.*} settings the JVM cannot make its default TLS context from: a key store moved, a trust
     * store moved, and a trust store opened with the wrong password.
     *
     * @param folder where the trust store with a password is written
     * @return each setting's {@code -D} options
     */
    static List<List<String>> brokenDefaultTlsSettings(Path folder) throws Exception {
        Path trustStore = folder.resolve("trust.p12");
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            empty.store(out, "right".toCharArray());
        }
        return List.of(
                List.of("-Djavax.net.ssl.keyStore=" + folder.resolve("moved.p12"),
                        "-Djavax.net.ssl.keyStorePassword=secret"),
                List.of("-Djavax.net.ssl.trustStore=" + folder.resolve("moved-trust.p12"),
                        "-Djavax.net.ssl.trustStorePassword=secret"),
                List.of("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=wrong"));
    }

    /**
     * Runs the probe in a JVM of its own and waits for it.
     *
     * @param folder where the probe's output goes: a file, not a pipe, which a chatty probe would fill and block on
     * @param systemProperties the probe's {@code -D} options
     * @param args the probe's arguments
     * @return what the probe printed
     */
    static String run(Path folder, List<String> systemProperties, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path")));
        command.addAll(systemProperties);
        command.add(DefaultTlsContextProbe.class.getName());
        command.addAll(List.of(args));
        Path output = Files.createTempFile(folder, "probe", ".log");
        Process probe = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            if (!probe.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the probe did not end: " + Files.readString(output));
            }
        } finally {
            probe.destroyForcibly();
        }
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) {
        ProxyTransport transport = ProxyTransport.valueOf(args.length > 0 ? args[0] : "JETTY");
        boolean plain = args.length > 1 && args[1].equals("http");
        try {
            if (plain) {
                forwardToPlainHttp(transport);
            } else {
                UpstreamConfig.Builder config = UpstreamConfig.builder("orders");
                if (args.length > 1 && args[1].equals("https,http")) {
                    config.endpoints(URI.create("https://127.0.0.1:8443"), URI.create("http://127.0.0.1:8080"));
                } else {
                    config.endpoints(URI.create("https://127.0.0.1:8443"));
                }
                UpstreamGuard guard = UpstreamGuard.of(config.build());
                ReverseProxyServlet.builder(guard).transport(transport).build().destroy();
                System.out.println("built");
            }
        } catch (RuntimeException failed) {
            System.out.println("threw " + failed.getClass().getName() + ": " + failed.getMessage());
        }
        System.out.flush();
    }

    private static void forwardToPlainHttp(ProxyTransport transport) {
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(200, "took it"))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(transport).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy).start()) {
                HttpTester.Response answer = HttpTester.parseResponse(
                        server.raw("GET /orders/42 HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n"));
                System.out.println("forwarded " + answer.getStatus() + " " + answer.getContent());
            }
        }
    }
}
