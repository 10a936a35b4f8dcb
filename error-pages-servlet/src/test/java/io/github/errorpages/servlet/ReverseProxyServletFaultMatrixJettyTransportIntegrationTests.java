package io.github.errorpages.servlet;

/** {@link ReverseProxyServletFaultMatrixIntegrationTests} with {@link ProxyTransport#JETTY}. */
class ReverseProxyServletFaultMatrixJettyTransportIntegrationTests
        extends ReverseProxyServletFaultMatrixIntegrationTests {

    ReverseProxyServletFaultMatrixJettyTransportIntegrationTests() {
        super(ProxyTransport.JETTY);
    }
}
