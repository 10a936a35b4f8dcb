package io.github.errorpages.servlet;

/** {@link ReverseProxyServletEventStreamIntegrationTests} with {@link ProxyTransport#JDK}. */
class ReverseProxyServletEventStreamJdkTransportIntegrationTests
        extends ReverseProxyServletEventStreamIntegrationTests {

    ReverseProxyServletEventStreamJdkTransportIntegrationTests() {
        super(ProxyTransport.JDK);
    }
}
