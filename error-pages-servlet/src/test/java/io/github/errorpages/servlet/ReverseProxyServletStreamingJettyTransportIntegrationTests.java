package io.github.errorpages.servlet;

/** {@link ReverseProxyServletStreamingIntegrationTests} with {@link ProxyTransport#JETTY}. */
class ReverseProxyServletStreamingJettyTransportIntegrationTests extends ReverseProxyServletStreamingIntegrationTests {

    ReverseProxyServletStreamingJettyTransportIntegrationTests() {
        super(ProxyTransport.JETTY);
    }
}
