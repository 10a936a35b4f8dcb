package io.github.errorpages.servlet;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Run in a JVM of its own ({@link JdkTransportHugeChunkIntegrationTests}): a chunked body whose chunk size the JDK's
 * parser loops on (2^31) comes after 8 MiB, relayed to a client that reads only once the servlet's thread is held in
 * a write to it, so that the upstream's bytes have arrived when that thread asks for more. Prints how the client's
 * response ended and which threads loop in the parser.
 */
final class LateReaderLoopProbe {

    private LateReaderLoopProbe() {
    }

    public static void main(String[] args) throws Exception {
        FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n800000\r\n");
            exchange.writeRepeated((byte) 'x', 8 << 20);
            exchange.writeRaw("\r\n80000000\r\nok\r\n");
            exchange.stall();
        });
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                .maxAttempts(1).attemptTimeout(Duration.ofSeconds(5)).deadline(Duration.ofSeconds(5)).build());
        JettyServer gateway = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard)
                .transport(ProxyTransport.JDK).bodyIdleTimeout(Duration.ofSeconds(1)).build()).start();
        try (Socket client = new Socket("127.0.0.1", gateway.port())) {
            client.setReceiveBufferSize(64 * 1024);
            client.setSoTimeout(15_000);
            OutputStream out = client.getOutputStream();
            out.write("GET /big HTTP/1.1\r\nHost: gateway\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitServletThreadHeldInAWrite();
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[65536];
            String end = "ended";
            try {
                while (in.read(buffer) >= 0) {
                    // the relayed body, up to where the gateway ends or aborts it
                }
            } catch (SocketTimeoutException stillOpen) {
                end = "still open after 15 s";
            } catch (IOException reset) {
                end = "ended";
            }
            System.out.println("response: " + end);
        }
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (Arrays.stream(stack).anyMatch(frame -> frame.getClassName().contains("ResponseContent"))) {
                System.out.println("looping: " + thread.getName());
            }
        });
        System.out.flush();
        Runtime.getRuntime().halt(0); // the looping thread would keep the JVM
    }

    /** Waits until the servlet's thread copies the body and waits in a write, not for the upstream's bytes. */
    private static void awaitServletThreadHeldInAWrite() {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() - end < 0) {
            boolean held = Thread.getAllStackTraces().entrySet().stream().anyMatch(entry -> {
                StackTraceElement[] stack = entry.getValue();
                Thread.State state = entry.getKey().getState();
                return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
                        && Arrays.stream(stack).anyMatch(frame -> frame.getMethodName().equals("copy")
                                && frame.getClassName().equals(ReverseProxyServlet.class.getName()))
                        && Arrays.stream(stack).noneMatch(frame -> frame.getMethodName().equals("poll"));
            });
            if (held) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        throw new IllegalStateException("the servlet's thread was never held in a write");
    }
}
