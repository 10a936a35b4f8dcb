package io.github.errorpages.servlet;

/** {@link ReverseProxyServletFaultMatrixIntegrationTests} with {@link ProxyTransport#JDK}. */
class ReverseProxyServletFaultMatrixJdkTransportIntegrationTests
        extends ReverseProxyServletFaultMatrixIntegrationTests {

    ReverseProxyServletFaultMatrixJdkTransportIntegrationTests() {
        super(ProxyTransport.JDK);
    }
}
