package io.github.errorpages.servlet;

/** {@link ReverseProxyServletEventStreamIntegrationTests} with {@link ProxyTransport#JETTY}. */
class ReverseProxyServletEventStreamJettyTransportIntegrationTests
        extends ReverseProxyServletEventStreamIntegrationTests {

    ReverseProxyServletEventStreamJettyTransportIntegrationTests() {
        super(ProxyTransport.JETTY);
    }
}
