package io.github.errorpages.benchmarks.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * What the server answered one request of a measurement with, told apart the way wrk cannot: wrk counts the
 * answers that are not 2xx or 3xx, and an error scenario answered by Jetty's own 500 page (a library that threw),
 * or the branded scenario answered by Jetty's 502 page, counted as valid.
 *
 * @param status the status
 * @param branded whether error-pages wrote the answer: its pages, and only they, carry a
 *     {@code Content-Security-Policy} (Jetty's pages and the benchmark's servlets send none)
 */
record Answer(int status, boolean branded) {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Sends one request as wrk sends them and reads its answer.
     *
     * @param target the URL
     * @param headers the header fields wrk sends, each {@code "Name: value"}
     * @return the answer
     * @throws IOException when no answer arrives
     * @throws InterruptedException when interrupted while waiting
     */
    static Answer take(URI target, List<String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30));
        for (String header : headers) {
            int colon = header.indexOf(':');
            request.header(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
        }
        HttpResponse<Void> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.discarding());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Security-Policy").isPresent());
    }

    @Override
    public String toString() {
        return status + (branded ? " (error-pages' page)" : " (not error-pages' page)");
    }
}
