package io.github.errorpages.examples.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;
import org.junit.jupiter.api.Test;

class GatewayOptionsTests {

    @Test
    void defaultsToLoopbackPort8080AndTheBuiltInUpstream() {
        GatewayOptions options = GatewayOptions.parse();

        assertThat(options.host()).isEqualTo("127.0.0.1");
        assertThat(options.port()).isEqualTo(8080);
        assertThat(options.upstreams()).isEmpty();
        assertThat(options.usesDemoUpstream()).isTrue();
        assertThat(options.help()).isFalse();
    }

    @Test
    void readsOptionsWithSpaceOrEqualsAndRepeatedUpstreams() {
        GatewayOptions options = GatewayOptions.parse("--port", "9090", "--host=0.0.0.0",
                "--upstream", "http://127.0.0.1:3000", "--upstream=https://orders.internal/api");

        assertThat(options.port()).isEqualTo(9090);
        assertThat(options.host()).isEqualTo("0.0.0.0");
        assertThat(options.upstreams()).containsExactly(URI.create("http://127.0.0.1:3000"),
                URI.create("https://orders.internal/api"));
        assertThat(options.usesDemoUpstream()).isFalse();
    }

    /** The whole range of TCP ports is taken, up to its last, and not one more. */
    @Test
    void acceptsTheHighestPortAndRefusesTheNextNumber() {
        assertThat(GatewayOptions.parse("--port", "65535").port()).isEqualTo(65535);
        assertThat(GatewayOptions.parse("--port", "0").port()).as("any free port").isZero();
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--port", "65536"))
                .withMessage("--port must be a number between 0 and 65535, but was 65536");
    }

    @Test
    void helpStopsReadingTheRest() {
        assertThat(GatewayOptions.parse("--help", "--port", "nonsense").help()).isTrue();
        assertThat(GatewayOptions.parse("-h").help()).isTrue();
        assertThat(GatewayOptions.USAGE).contains("--port N", "--host H", "--upstream URL", "-Ddemo.args=");
    }

    @Test
    void rejectionsNameTheOptionAndTheValue() {
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--port", "80a"))
                .withMessage("--port must be a number between 0 and 65535, but was 80a");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--port=70000"))
                .withMessage("--port must be a number between 0 and 65535, but was 70000");
        // Other scripts' digits and a plus sign, which Integer.parseInt reads
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--port=\u0668\u0660\u0668\u0660"))
                .withMessage("--port must be a number between 0 and 65535, but was \u0668\u0660\u0668\u0660");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--port=+8080"))
                .withMessage("--port must be a number between 0 and 65535, but was +8080");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--upstream", "ftp://x"))
                .withMessageStartingWith("--upstream must be an absolute http or https URL")
                .withMessageEndingWith("but was ftp://x");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--upstream", "/orders"))
                .withMessageEndingWith("but was /orders");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> GatewayOptions.parse("--upstream=http://127.0.0.1:3000/?a=1"))
                .withMessage("--upstream must be an absolute http or https URL with a host and no query or fragment, "
                        + "such as http://127.0.0.1:3000, but was http://127.0.0.1:3000/?a=1");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--host", "a b"))
                .withMessage("--host must be a host name or an IP address, but was a b");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--verbose"))
                .withMessage("Unknown option --verbose (known: --port, --host, --upstream, --help)");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--port"))
                .withMessage("--port needs a value");
    }

    @Test
    void anOptionWithoutItsValueIsNamedNotTheOptionAfterIt() {
        // "--host --port 9090" took "--port" as the host name, then called 9090 an unknown option.
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--host", "--port", "9090"))
                .withMessage("--host needs a value, but was followed by --port");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> GatewayOptions.parse("--upstream", "--host=127.0.0.1"))
                .withMessage("--upstream needs a value, but was followed by --host=127.0.0.1");
        // A short option where the host belongs: no host name starts with a dash.
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--host", "-p", "9090"))
                .withMessage("--host must be a host name or an IP address, but was -p");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--host", "-h"))
                .withMessage("--host must be a host name or an IP address, but was -h");
        assertThatIllegalArgumentException().as("one dash: a value")
                .isThrownBy(() -> GatewayOptions.parse("--port", "-1"))
                .withMessage("--port must be a number between 0 and 65535, but was -1");
    }

    /** Only --upstream repeats: a second --port took the last value silently, and an empty one showed nothing. */
    @Test
    void aSecondPortOrHostIsRefusedAndAnEmptyValueIsNamed() {
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--port", "1", "--port", "2"))
                .withMessage("--port is given twice, the second time as 2");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--host=a", "--host", "b"))
                .withMessage("--host is given twice, the second time as b");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--port="))
                .withMessage("--port must be a number between 0 and 65535, but was an empty value");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--port", " "))
                .withMessage("--port must be a number between 0 and 65535, but was an empty value");
    }

    @Test
    void helpTakesNoValue() {
        // "--help=yes" was answered "Unknown option --help".
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--help=yes"))
                .withMessage("--help takes no value, but was --help=yes");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("--help="))
                .withMessage("--help takes no value, but was --help=");
        assertThatIllegalArgumentException().isThrownBy(() -> GatewayOptions.parse("-h=yes"))
                .withMessage("-h takes no value, but was -h=yes");
    }
}
