package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.PageAssertions.assertNoLeak;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.StandardError;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * What every container's test of a listener's upstream failure in an async cycle started past the filter's request
 * wrapper sends and checks (Jetty's in ErrorPagesFilterIntegrationTests, Tomcat's, Undertow's), against
 * {@link TestServlets#listenerThrowsInACycleStartedPastTheFilter} behind {@link TestServlets#startingAsyncInFront},
 * with {@link TestServlets#remotePort} at {@code /remote-port}: one row of {@link #rows()} each.
 */
final class ListenerFailuresPastTheWrapper {

    private ListenerFailuresPastTheWrapper() {
    }

    /**
     * The rows: the listener and callback that throws ({@code write}: a GET's write listener; {@code all-data-read},
     * {@code data-available}: a POST's read listener), who started the cycle ({@code front-started-async}: a filter in
     * front, the servlet taking it with {@code getAsyncContext()}; {@code unwrapped-async}: the servlet, on the
     * container's request), what it throws, the format asked for, the status, Retry-After and cause expected, and
     * whether the application's {@code onError} completes the cycle.
     *
     * @return the arguments of each row
     */
    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("write", "front-started-async", "refused", "json", 502, "10", "connection_refused", "yes"),
                Arguments.of("write", "front-started-async", "unavailable", "html", 503, "42",
                        "destination_unavailable", "yes"),
                Arguments.of("write", "unwrapped-async", "refused", "html", 502, "10", "connection_refused", "yes"),
                Arguments.of("write", "unwrapped-async", "unavailable", "json", 503, "42", "destination_unavailable",
                        "yes"),
                Arguments.of("write", "unwrapped-async", "refused", "json", 502, "10", "connection_refused", "no"),
                Arguments.of("all-data-read", "front-started-async", "unavailable", "json", 503, "42",
                        "destination_unavailable", "yes"),
                Arguments.of("data-available", "front-started-async", "refused", "html", 502, "10",
                        "connection_refused", "yes"),
                Arguments.of("all-data-read", "unwrapped-async", "refused", "html", 502, "10", "connection_refused",
                        "yes"),
                Arguments.of("all-data-read", "unwrapped-async", "unavailable", "json", 503, "42",
                        "destination_unavailable", "yes"),
                Arguments.of("data-available", "unwrapped-async", "refused", "json", 502, "10", "connection_refused",
                        "yes"),
                Arguments.of("all-data-read", "unwrapped-async", "refused", "json", 502, "10", "connection_refused",
                        "no"));
    }

    /**
     * Sends one row's request over a connection of its own and checks its answer: the page of the cause, at once
     * (R1, R2, R7, R8, R9, R32, R36), logged once; the application's {@code onError} told of the original failure and
     * its listener called no more; the next request on the same connection answered on its own.
     *
     * @param uri the server's URI for a path
     * @param told what the servlet tells: the request's remote port, then what its {@code onError} got
     * @param closesAfter503 whether the container closes the connection of every 503 it sends (Tomcat's
     *     {@code Http11Processor.statusDropsConnection}): then the page says so, and the next request comes on another
     * @throws InterruptedException if interrupted while waiting for what the servlet tells
     */
    static void answersOnTheSameConnection(Function<String, URI> uri, BlockingQueue<Object> told,
            boolean closesAfter503, String from, String started, String thrown, String format, int status,
            String retryAfter, String token, String complete) throws InterruptedException {
        String method = from.equals("write") ? "GET" : "POST";
        String accept = format.equals("json") ? "application/json" : Client.BROWSER_ACCEPT;
        told.clear();
        HttpClient oneConnection = Client.ofItsOwn();
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        long start = System.nanoTime();
        String log = StandardError.capture(() -> answered.set(Client.send(oneConnection, method,
                uri.apply("/" + started + "/" + thrown + "?complete=" + complete + "&from=" + from), accept)));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertErrorPage(answered.get(), method, status, retryAfter);
        assertNoLeak(answered.get());
        if (format.equals("json")) {
            assertThat(answered.get().headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(Client.text(answered.get())).contains("\"code\": \"" + token + "\"");
        } else {
            assertThat(answered.get().headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
            assertThat(Client.text(answered.get())).startsWith("<!DOCTYPE html>");
        }
        assertThat(took).as("answered at once, not at the cycle's timeout").isLessThan(Duration.ofSeconds(10));
        assertThat(log.split("error page status=", -1)).as("one page logged once").hasSize(2);
        assertThat(log).contains("error page status=" + status + " cause=" + token);
        Object remotePort = told.poll(10, TimeUnit.SECONDS);
        // Called once the page is written: awaited, for the client may have it first.
        assertThat(told.poll(10, TimeUnit.SECONDS)).as("the application's onError, and its complete() there")
                .isInstanceOf(thrown.equals("unavailable") ? UpstreamFailureException.class : ConnectException.class);
        HttpResponse<byte[]> next = Client.get(oneConnection, uri.apply("/remote-port"), "application/json");
        assertThat(next.statusCode()).isEqualTo(200);
        if (status == 503 && closesAfter503) {
            assertThat(answered.get().headers().firstValue("Connection")).hasValue("close");
        } else {
            assertThat(Client.text(next)).as("answered on the same connection").isEqualTo(String.valueOf(remotePort));
        }
        assertThat(told).as("the listener called no more after its onError").isEmpty();
    }
}
