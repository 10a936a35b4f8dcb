package io.github.errorpages.servlet;

/** {@link ReverseProxyServletIntegrationTests} with {@link ProxyTransport#JETTY}. */
class ReverseProxyServletJettyTransportIntegrationTests extends ReverseProxyServletIntegrationTests {

    ReverseProxyServletJettyTransportIntegrationTests() {
        super(ProxyTransport.JETTY);
    }
}
