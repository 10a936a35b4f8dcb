package io.github.errorpages.upstream.internal;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse.ResponseInfo;
import java.util.Map;

/** The head of a 200 answer over HTTP/1.1 with no header fields, as the JDK's client hands it to a body handler. */
final class OkHead implements ResponseInfo {

    static final OkHead INSTANCE = new OkHead();

    private OkHead() {
    }

    @Override
    public int statusCode() {
        return 200;
    }

    @Override
    public HttpHeaders headers() {
        return HttpHeaders.of(Map.of(), (name, value) -> true);
    }

    @Override
    public HttpClient.Version version() {
        return HttpClient.Version.HTTP_1_1;
    }
}
