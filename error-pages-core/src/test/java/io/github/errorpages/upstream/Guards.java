package io.github.errorpages.upstream;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;

/** What the guard tests share: one real JDK client, and configurations whose retries wait next to nothing. */
final class Guards {

    /** HTTP/1.1 only, so no h2c upgrade attempt changes what the loopback upstream counts. */
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private Guards() {
    }

    /**
     * @param endpoints the endpoints
     * @return a configuration named {@code orders} with a 1–2 ms backoff and otherwise the defaults
     */
    static UpstreamConfig.Builder fast(URI... endpoints) {
        return UpstreamConfig.builder("orders")
                .endpoints(endpoints)
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2);
    }

    /**
     * @param method the method
     * @param path the path and query
     * @param body the body, or {@code null} for none
     * @return a request for {@code path} on whichever endpoint the guard picks
     */
    static HttpRequest request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://orders" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /**
     * @param path the path and query
     * @return a GET for {@code path}
     */
    static HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://orders" + path)).GET().build();
    }
}
