package io.github.errorpages.servlet;

/** {@link ReverseProxyServletIntegrationTests} with {@link ProxyTransport#JDK}. */
class ReverseProxyServletJdkTransportIntegrationTests extends ReverseProxyServletIntegrationTests {

    ReverseProxyServletJdkTransportIntegrationTests() {
        super(ProxyTransport.JDK);
    }
}
