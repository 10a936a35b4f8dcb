package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.PageAssertions.assertNoLeak;
import static io.github.errorpages.servlet.PageAssertions.assertSameHeaders;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.servlet.UpstreamFaults.Fault;
import io.github.errorpages.servlet.UpstreamFaults.Kind;
import io.github.errorpages.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.provider.Arguments;

/**
 * One cell group of the fault matrix: a fault × an Accept header, checked for GET, HEAD and POST against
 * a gateway (the filter in front of an application, or the proxy servlet).
 */
final class FaultMatrix {

    static final List<String> ACCEPTS = List.of(Client.BROWSER_ACCEPT, "application/json", "text/plain");

    /** More than the requests a gateway makes for one HEAD: its guard's attempts, each sent twice by its client. */
    private static final int HEAD_PERMITS = 100;

    private FaultMatrix() {
    }

    static Stream<Arguments> cells(UpstreamFaults faults) {
        return faults.all().stream().flatMap(fault -> ACCEPTS.stream().map(accept -> Arguments.of(fault, accept)));
    }

    /**
     * Sends GET, HEAD and POST for one fault and Accept header and checks each answer.
     *
     * @param uri the gateway URI that reaches the fault
     * @param pages the error pages the gateway uses, for the reference rendering of the headers
     * @param maxGetCalls how many times one GET may reach the upstream per attempt that reaches it (a
     *     POST: exactly once)
     * @param attempts the gateway's count of attempts made, or null when it keeps none
     * @param headForwarded whether the gateway sends a HEAD upstream as a HEAD (a proxy), rather than
     *     making the call a GET would make (an application)
     * @param proxyStatusName the name the gateway gives itself in {@code Proxy-Status}, or null when it must send
     *     no such field (an application, which is the origin, never may: RFC 9209 §2, R6)
     */
    static void assertAnswers(URI uri, Fault fault, String accept, ErrorPages pages, int maxGetCalls,
            @Nullable LongSupplier attempts, boolean headForwarded, @Nullable String proxyStatusName) throws IOException {
        String requestId = "matrix-" + Integer.toHexString(fault.name().hashCode());
        String[] headers = {"X-Request-Id", requestId};
        if (fault.kind() == Kind.COMMITTED) {
            checkCommitted(uri, fault, accept, headers);
            return;
        }
        boolean headIsFine = headForwarded && fault.bodyOnly();
        // The upstream counts a request once its thread has read it, which on a loaded machine may come after the
        // gateway answered: a stalled GET's retry, sent within its attempt, was read during the POST that followed
        // and counted as a second POST (R13's check failed, with one attempt for the POST). So each method's
        // requests are counted apart, by the cell's Accept, which no other cell of the fault sends, and each count
        // waits for the requests it must have.
        int getsBefore = calls(fault, "GET", accept);
        HttpResponse<byte[]> get = Client.send("GET", uri, accept, headers);
        Await.until(() -> calls(fault, "GET", accept) - getsBefore >= fault.callsPerAttempt(),
                "the upstream's read of the GET's first request");
        assertThat(calls(fault, "GET", accept) - getsBefore).as("upstream calls for one GET")
                .isBetween(fault.callsPerAttempt(), fault.callsPerAttempt() * maxGetCalls);
        int postsBefore = calls(fault, "POST", accept);
        long attemptsBefore = attempts == null ? 0 : attempts.getAsLong();
        HttpResponse<byte[]> post = Client.send("POST", uri, accept, headers);
        Await.until(() -> calls(fault, "POST", accept) - postsBefore >= fault.callsPerAttempt(),
                "the upstream's read of the POST");
        assertThat(calls(fault, "POST", accept) - postsBefore).as("R13: a POST reaches the upstream at most once")
                .isEqualTo(fault.callsPerAttempt());
        if (attempts != null) {
            assertThat(attempts.getAsLong() - attemptsBefore).as("R13: one attempt for a POST, none if the breaker is open")
                    .isEqualTo(fault.kind() == Kind.BREAKER_OPEN ? 0 : 1);
        }
        HttpResponse<byte[]> head = Client.send("HEAD", uri, accept, headers);

        ErrorResponse reference = pages.render(fault.failure(), new ErrorRequest("GET", "/", accept, null, requestId));
        if (headIsFine) {
            // The fault is in a body a HEAD does not have: the upstream's answer is complete and passed on.
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertNoLeak(head, ":" + portOf(fault));
        }
        for (var entry : Map.of("GET", get, "POST", post, "HEAD", head).entrySet()) {
            if (headIsFine && entry.getKey().equals("HEAD")) {
                continue;
            }
            HttpResponse<byte[]> response = entry.getValue();
            assertErrorPage(response, entry.getKey(), fault.status(), fault.retryAfter());
            assertHeadersOf(reference, response);
            assertNoLeak(response, ":" + portOf(fault), "Billing.java", "cluster.local");
            assertProxyStatus(response, fault, proxyStatusName);
            if (!"HEAD".equals(entry.getKey()) && PageAssertions.contentType(response).contains("json")) {
                assertThat(Client.text(response)).as("the error code").contains(fault.token());
            }
        }
        if (!headIsFine) {
            assertSameHeaders(head, get);
        }
    }

    /**
     * R6: the gateway's own member only, with the failure's error type, or, for an upstream's 5xx (no error of the
     * gateway, RFC 9209 §2.1.1), the status received (§2.1.4); never {@code next-hop} or {@code details}.
     */
    private static void assertProxyStatus(HttpResponse<byte[]> response, Fault fault, @Nullable String name) {
        List<String> fields = response.headers().allValues("Proxy-Status");
        if (name == null) {
            assertThat(fields).as("R6: no Proxy-Status from an origin, nor when not configured").isEmpty();
            return;
        }
        int received = fault.failure().upstreamStatus();
        String expected = received != 0 ? name + "; received-status=" + received : name + "; error=" + fault.token();
        assertThat(fields).as("R6: Proxy-Status").containsExactly(expected);
        if (received == 0) {
            assertThat(expected).matches("^[A-Za-z0-9._-]+; error=[a-z_]+(; received-status=\\d{3})?$");
        }
    }

    /** Every header the core renders for the request is on the wire, with the same value. */
    private static void assertHeadersOf(ErrorResponse reference, HttpResponse<byte[]> response) {
        reference.headers().forEach((name, value) -> {
            if (name.equalsIgnoreCase("Content-Type")) {
                assertThat(PageAssertions.contentType(response)).isEqualTo(PageAssertions.normalizedContentType(value));
            } else if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Retry-After")) {
                // (Retry-After is asserted per row: an open breaker's value is its remaining open time.)
                assertThat(response.headers().allValues(name)).as(name).containsExactly(value);
            }
        });
    }

    private static void checkCommitted(URI uri, Fault fault, String accept, String[] headers) throws IOException {
        for (String method : List.of("GET", "POST")) {
            fault.release().drainPermits();
            int before = calls(fault);
            HttpResponse<InputStream> response = Client.stream(method, uri, accept, headers);
            assertThat(response.statusCode()).as("committed before the failure").isEqualTo(200);
            fault.release().release(); // the upstream resets only now that the headers are through
            // R5: status and part of the body are out; the client must see an incomplete response.
            assertThatThrownBy(() -> {
                try (InputStream body = response.body()) {
                    body.readAllBytes();
                }
            }).isInstanceOf(IOException.class);
            assertThat(calls(fault) - before).as("no retry once committed").isEqualTo(1);
        }
        // A HEAD has no body to cut: the reset comes at once, before or after the gateway has the headers. A permit
        // for every request the gateway may make for it, not one: a reset that reaches the gateway before the
        // headers makes its client send the request again (R14), and with a single permit that second request
        // waited for one, took the one meant for the next cell's GET, and left that GET to wait out 10 s. The
        // permits left over are drained by the next GET.
        int beforeHead = calls(fault);
        fault.release().release(HEAD_PERMITS);
        HttpResponse<byte[]> head = Client.send("HEAD", uri, accept, headers);
        assertThat(head.statusCode()).as("the committed status, or the page if the reset came first").isIn(200, 502);
        assertThat(head.body()).isEmpty();
        // The gateway answers once it has the upstream's head, which the upstream writes before it takes its permit
        // and resets. Until each HEAD request the upstream read has taken one, the next cell's GET could drain the
        // permits first: that exchange then waited 10 s on the connection the gateway keeps for its next request
        // (a GET sent there timed out after 5 s and was sent again) and took the permit meant for that GET, which
        // waited out 10 s more (a GET of 15 s, seen under load; a POST sent there would have been a 504).
        int headRequests = calls(fault) - beforeHead;
        Await.until(() -> fault.release().availablePermits() <= HEAD_PERMITS - headRequests,
                "the upstream's reset of each of the " + headRequests + " HEAD requests it read");
    }

    private static int calls(Fault fault) {
        return fault.upstream() == null ? 0 : fault.upstream().requestCount();
    }

    /** @return the requests of {@code method} with the Accept field {@code accept} the fault's upstream has read */
    private static int calls(Fault fault, String method, String accept) {
        return fault.upstream() == null ? 0 : (int) fault.upstream().requests().stream()
                .filter(request -> request.method().equals(method) && accept.equals(request.headers().get("accept")))
                .count();
    }

    private static int portOf(Fault fault) {
        return fault.target().getPort();
    }
}
