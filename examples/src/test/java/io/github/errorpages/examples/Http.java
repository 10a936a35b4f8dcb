package io.github.errorpages.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real HTTP client for the examples' tests: what {@code curl -i} shows, as a JDK {@link HttpResponse}. */
public final class Http {

    /** The {@code Accept} a browser sends. */
    public static final String BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    private Http() {
    }

    /**
     * @param uri the URL
     * @param accept the {@code Accept} field, or {@code null} for none (as curl sends {@code *}{@code /*})
     * @return the response
     */
    public static HttpResponse<String> get(URI uri, String accept) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return send(request.GET().build());
    }

    /**
     * @param uri the URL
     * @return the response to a HEAD request
     */
    public static HttpResponse<String> head(URI uri) {
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    }

    /**
     * @param uri the URL
     * @param accept the {@code Accept} field
     * @return the response to an empty POST
     */
    public static HttpResponse<String> post(URI uri, String accept) {
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /**
     * @param response a response
     * @return its {@code Content-Type} as containers may rewrite it: lower case, without spaces; empty if none
     */
    public static String contentType(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase(Locale.ROOT);
    }

    /**
     * @param json a problem+json body
     * @param member a string member
     * @return its value
     */
    public static Optional<String> member(String json, String member) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(member) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * @param request any request
     * @return its response, the body as text
     */
    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends a request as written, on a connection of its own, and reads the response until the server closes it: for
     * what the JDK's client will not send (a {@code Host} of the test's choosing).
     *
     * @param base where the server listens
     * @param request the whole request, head and body; it should ask for {@code Connection: close}
     * @return the response as ISO-8859-1 text, head and body
     */
    public static String raw(URI base, String request) {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
