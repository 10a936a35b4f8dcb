package io.github.errorpages.servlet;

/** {@link ReverseProxyServletStreamingIntegrationTests} with {@link ProxyTransport#JDK}. */
class ReverseProxyServletStreamingJdkTransportIntegrationTests extends ReverseProxyServletStreamingIntegrationTests {

    ReverseProxyServletStreamingJdkTransportIntegrationTests() {
        super(ProxyTransport.JDK);
    }
}
