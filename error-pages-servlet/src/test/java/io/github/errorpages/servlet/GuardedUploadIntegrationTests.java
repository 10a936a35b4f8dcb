package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.GuardedHttpClient;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Application code behind the filter that streams the request's body to an upstream through a
 * {@link GuardedHttpClient}, as an upload-forwarding BFF does: the client's failure is not the upstream's.
 */
class GuardedUploadIntegrationTests {

    /**
     * A client that stalls in its upload: the guard ends the call without blaming the upstream, but its exception
     * held the attempt's timeout, which the filter read as the upstream's: a 504 page "an upstream did not answer in
     * time", with its WARN line. The filter leaves the request's own failure to the container, as it does a client
     * that went away (the quick start's upstreamFailureOf is empty for it). Whether the body streams to the upstream
     * ({@code ofInputStream}, which reads its source ahead of the client's demand) or is read first to be buffered
     * for retries (a known length, short, on a PUT; sent asynchronously: a blocking send waits for its read, which
     * the container's idle timeout ends).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"streamed", "buffered"})
    void aClientThatStallsInAStreamedUploadGetsNoUpstreamTimeoutPage(String upload) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("uploads").endpoints(upstream.uri())
                    .attemptTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(2)).build());
            GuardedHttpClient uploads = GuardedHttpClient.of(HttpClient.newHttpClient(), guard);
            try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())
                    .servlet("/upload", TestServlets.servlet((request, response) -> {
                        BodyPublisher body = streamedFrom(request);
                        HttpRequest.Builder call = HttpRequest.newBuilder(URI.create("http://uploads/files"));
                        try {
                            if (upload.equals("streamed")) {
                                HttpRequest post = call.POST(body).build();
                                response.getWriter().write(uploads.send(post, BodyHandlers.ofString()).body());
                                return;
                            }
                            HttpRequest put = call.PUT(BodyPublishers.fromPublisher(body, 100)).build();
                            response.getWriter().write(uploads.sendAsync(put, BodyHandlers.ofString()).join().body());
                        } catch (CompletionException e) {
                            throw (RuntimeException) e.getCause();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException();
                        }
                    })).start();
                    Socket client = new Socket("127.0.0.1", server.uri("/").getPort())) {
                client.setSoTimeout(20_000);
                String[] answer = new String[1];

                String log = StandardError.capture(() -> {
                    try {
                        OutputStream out = client.getOutputStream();
                        out.write(("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/problem+json\r\n"
                                + "Content-Length: 100\r\n\r\n0123456789").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        answer[0] = new String(client.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });

                assertThat(answer[0]).startsWith("HTTP/1.1 ").doesNotContain("504");
                assertThat(log).doesNotContain("error page status=");
                assertThat(guard.metrics().failedCalls()).isZero();
            }
        }
    }

    /**
     * A client that hangs up in the middle of an upload that application code streams through the guard
     * ({@code ofInputStream}): its read fails, the call ends as the caller's (aborted), not the upstream's. The JDK's
     * publisher reads ahead outside its own error handling, so the failure escapes {@code request(n)}: unnoticed
     * there, it was a 502 {@code connection_terminated} counted against the upstream's breaker.
     */
    @Test
    void aClientThatHangsUpInAStreamedUploadIsNotBlamedOnTheUpstream() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("uploads").endpoints(upstream.uri())
                    .attemptTimeout(Duration.ofSeconds(5)).deadline(Duration.ofSeconds(6)).build());
            GuardedHttpClient uploads = GuardedHttpClient.of(HttpClient.newHttpClient(), guard);
            try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())
                    .servlet("/upload", TestServlets.servlet((request, response) -> {
                        BodyPublisher body = streamedFrom(request);
                        HttpRequest post = HttpRequest.newBuilder(URI.create("http://uploads/files")).POST(body)
                                .build();
                        try {
                            response.getWriter().write(uploads.send(post, BodyHandlers.ofString()).body());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException();
                        }
                    })).start()) {
                try (Socket client = new Socket("127.0.0.1", server.uri("/").getPort())) {
                    OutputStream out = client.getOutputStream();
                    out.write(("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
                            + "x".repeat(5000)).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Await.until(() -> upstream.connectionCount() == 1, "the upload to stream to the upstream");
                } // hangs up mid-upload

                Await.until(() -> guard.metrics().calls() == 1
                        && guard.metrics().abortedCalls() + guard.metrics().failedCalls() == 1, "the call to end");
                assertThat(guard.metrics().abortedCalls()).as("%s", guard.metrics()).isEqualTo(1);
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
                assertThat(guard.failingSince()).isEmpty();
            }
        }
    }

    /** The request's body, streamed to the upstream as application code would: read as the client asks for it. */
    private static BodyPublisher streamedFrom(HttpServletRequest request) {
        return BodyPublishers.ofInputStream(() -> {
            try {
                return request.getInputStream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
