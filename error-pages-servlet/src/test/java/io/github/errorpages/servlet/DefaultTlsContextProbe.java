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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
     * Runs the probe once for each of {@link #brokenDefaultTlsSettings}, in JVMs of their own that run side by side,
     * and waits for them all: one after the other, the three JVMs (each starting Jetty, some a client too) took up to
     * 17 s of a CI run.
     *
     * @param folder where the trust store with a password and the probes' output go: files, not pipes, which a chatty
     *     probe would fill and block on
     * @param args the probe's arguments for a setting's {@code -D} options
     * @return what each probe printed, by its {@code -D} options, in the order of {@link #brokenDefaultTlsSettings}
     */
    static Map<List<String>, String> runForEachBrokenSetting(Path folder, Function<List<String>, List<String>> args)
            throws Exception {
        Map<List<String>, Process> probes = new LinkedHashMap<>();
        Map<Process, Path> outputs = new HashMap<>();
        try {
            for (List<String> broken : brokenDefaultTlsSettings(folder)) {
                List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command()
                        .orElse("java"), "-cp", System.getProperty("java.class.path")));
                command.addAll(broken);
                command.add(DefaultTlsContextProbe.class.getName());
                command.addAll(args.apply(broken));
                Path output = Files.createTempFile(folder, "probe", ".log");
                Process probe = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                        .start();
                probes.put(broken, probe);
                outputs.put(probe, output);
            }
            Map<List<String>, String> printed = new LinkedHashMap<>();
            for (Map.Entry<List<String>, Process> probe : probes.entrySet()) {
                Path output = outputs.get(probe.getValue());
                if (!probe.getValue().waitFor(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the probe with " + probe.getKey() + " did not end: "
                            + Files.readString(output));
                }
                printed.put(probe.getKey(), Files.readString(output, StandardCharsets.UTF_8));
            }
            return printed;
        } finally {
            probes.values().forEach(Process::destroyForcibly);
        }
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
