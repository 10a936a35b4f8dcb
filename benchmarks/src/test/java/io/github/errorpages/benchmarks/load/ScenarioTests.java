package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The harness's servers answer as their measurements say, each started in this JVM on a loopback port and asked
 * once: the smoke test drives only four of the measurements, and a server that answers the wrong thing is found
 * otherwise only at the end of a run of many minutes (as INVALID rows), or not at all.
 */
class ScenarioTests {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stopServers() throws Exception {
        for (Server server : servers) {
            server.stop();
        }
    }

    /**
     * Budget (c) compares the page of an open breaker with Jetty's 502: the breaker is open from the start, so
     * every request, the first one too, gets the branded 503 (with its Content-Security-Policy and Retry-After),
     * not the upstream's 200 that a closed breaker lets through.
     */
    @Test
    void theOpenBreakerServerAnswersTheFirstRequestWithTheBranded503() throws Exception {
        URI upstream = start(Scenario.UPSTREAM, null);
        URI proxy = start(Scenario.OPEN_BREAKER_503, upstream);

        HttpResponse<String> response = get(proxy.resolve("/orders"));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Security-Policy")).as("error-pages' page").isPresent();
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
    }

    /**
     * The hello servlet and the upstream answer 200 with their fixed body, declared by its Content-Length, as the
     * README describes them ("hello", 2 KB): the proxy budget (d) relays the upstream's body as it is framed.
     */
    @ParameterizedTest(name = "{0}: {1} bytes")
    @CsvSource({"HELLO, 5", "HELLO_FILTERED, 5", "UPSTREAM, 2048"})
    void aFixedBodyServerAnswers200WithItsBodyAndItsContentLength(Scenario scenario, int length) throws Exception {
        HttpResponse<String> response = get(start(scenario, null).resolve("/hello"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).hasSize(length).startsWith("hello");
        assertThat(response.headers().firstValue("Content-Length")).hasValue(Integer.toString(length));
        assertThat(response.headers().firstValue("Transfer-Encoding")).isEmpty();
    }

    private URI start(Scenario scenario, @Nullable URI upstream) throws Exception {
        Server server = scenario.start(0, upstream);
        servers.add(server);
        return URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
    }

    /** A request as wrk sends it: a browser's Accept. */
    private static HttpResponse<String> get(URI target) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(target).header("Accept", Measurement.BROWSER_ACCEPT)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
