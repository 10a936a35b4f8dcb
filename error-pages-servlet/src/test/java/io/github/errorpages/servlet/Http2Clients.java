package io.github.errorpages.servlet;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;

/**
 * Jetty's HTTP/2 client over cleartext with prior knowledge (h2c), as the tests reach a server's HTTP/2 with: a
 * browser's HTTP/2 without TLS. The caller stops it.
 */
final class Http2Clients {

    private Http2Clients() {
    }

    /** @return a started client, with Jetty's defaults */
    static HttpClient started() throws Exception {
        HttpClient client = h2c();
        client.start();
        return client;
    }

    /**
     * @param maxResponseHeadersSize the largest response head it takes, advertised as its
     *     {@code SETTINGS_MAX_HEADER_LIST_SIZE} (8 KiB for the HTTP/2 clients of browsers and Jetty's own)
     * @return a started client
     */
    static HttpClient started(int maxResponseHeadersSize) throws Exception {
        HttpClient client = h2c();
        client.setMaxResponseHeadersSize(maxResponseHeadersSize);
        client.start();
        return client;
    }

    private static HttpClient h2c() {
        return new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
    }
}
