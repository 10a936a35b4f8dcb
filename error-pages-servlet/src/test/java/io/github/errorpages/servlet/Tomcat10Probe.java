package io.github.errorpages.servlet;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Run in a JVM of its own on Tomcat 10.1 ({@link Tomcat10IntegrationTests}), whose jars replace Tomcat 11's on its
 * class path. Prints, for each case, the status, {@code Retry-After} and body of the response a client got, a line
 * each.
 */
final class Tomcat10Probe {

    private Tomcat10Probe() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("servlet API of "
                + ServletContext.class.getProtectionDomain().getCodeSource().getLocation());
        // Less of a body than Tomcat's response buffer (8 KiB), so nothing is committed when the upstream resets.
        FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "1000\r\n" + "x".repeat(4096) + "\r\n");
            exchange.await(Duration.ofMillis(200)); // the part relayed before the reset
            exchange.reset();
        });
        TomcatServer tomcat = TomcatServer.inCode().filter(new ErrorPagesFilter())
                .servlet("/proxy/*", ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("orders")
                        .endpoints(upstream.uri()).maxAttempts(1).build())).transport(ProxyTransport.JETTY).build())
                .servlet("/app", TestServlets.servlet((request, response) -> {
                    if (request.getDispatcherType() == DispatcherType.ASYNC) {
                        response.sendError(503); // the upstream the application asked in between is unavailable
                        return;
                    }
                    AsyncContext async = request.startAsync();
                    ServletOutputStream out = response.getOutputStream();
                    out.setWriteListener(new WriteListener() {
                        private boolean written;

                        @Override
                        public void onWritePossible() throws java.io.IOException {
                            if (!written) {
                                written = true;
                                out.write("{\"items\":[1,2,".getBytes(StandardCharsets.UTF_8));
                                async.dispatch();
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                        }
                    });
                }))
                .start();
        try {
            for (String path : new String[] {"/proxy/orders", "/app"}) {
                try {
                    HttpResponse<byte[]> response = Client.get(tomcat.uri(path), "application/problem+json");
                    System.out.println(path + ": " + response.statusCode() + " Retry-After="
                            + response.headers().firstValue("Retry-After").orElse("-") + " "
                            + new String(response.body(), StandardCharsets.UTF_8).replaceAll("\\s+", " "));
                } catch (RuntimeException failed) {
                    System.out.println(path + ": failed " + failed);
                }
            }
        } finally {
            tomcat.close();
            upstream.close();
        }
        System.exit(0);
    }
}
