package io.github.errorpages.examples.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How the demo gateway's process starts and ends as a command: what a first-time user meets. */
class GatewayDemoProcessIntegrationTests {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    /** Surefire runs tests from a manifest-only jar; the real test classpath is in this property. */
    private static final String CLASSPATH =
            System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));

    @Test
    void saysInOneLineWhatToDoWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process gateway = new ProcessBuilder(JAVA, "-cp", CLASSPATH, GatewayDemo.class.getName(),
                    "--port", Integer.toString(taken.getLocalPort())).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();

            assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
            String stderr = new String(gateway.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(gateway.exitValue()).isEqualTo(2);
            assertThat(stderr).contains(":" + taken.getLocalPort() + ", the port is in use", "--port 9090")
                    .doesNotContain("Exception", "\tat ");
        }
    }

    /**
     * A --host that is no address of this machine, or no name at all: every bind failure said "the port is in use"
     * (with --port 0 too), and an unresolvable name gave a stack trace and a process that never ended (the proxy's
     * HTTP client kept a thread that was no daemon); an IPv6 address the system binds nothing to, a stack trace.
     */
    @Test
    void saysInOneLineWhyItCannotListenOnTheHost() throws Exception {
        for (String[] hostAndWords : new String[][] {
            {"192.0.2.1", "--host must be an address of this machine"},
            {"ff02::1", "--host must be an address of this machine"}, // multicast: "Invalid argument", no BindException
            {"[ff02::1]", "--host must be an address of this machine"},
            {"no-such-host.invalid", "the host name does not resolve"}}) {
            Process gateway = new ProcessBuilder(JAVA, "-cp", CLASSPATH, GatewayDemo.class.getName(), "--port", "0",
                    "--host", hostAndWords[0]).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();

            assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).as("exited, --host " + hostAndWords[0]).isTrue();
            String stderr = new String(gateway.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(gateway.exitValue()).isEqualTo(2);
            String shown = hostAndWords[0].contains(":") && !hostAndWords[0].startsWith("[") ? "[" + hostAndWords[0] + "]"
                    : hostAndWords[0];
            assertThat(stderr).contains("cannot listen on " + shown + ":0, ", hostAndWords[1])
                    .doesNotContain("in use", "Exception", "\tat ").as("--port 0").doesNotContain("privileges");
        }
    }

    /**
     * An --upstream the library refuses although it parses (the same endpoint twice, a URL with user info): one
     * line naming the setting and the value, the password masked, and the usage; no stack trace.
     */
    @Test
    void saysInOneLineWhyAnUpstreamIsRefused() throws Exception {
        Process gateway = new ProcessBuilder(JAVA, "-cp", CLASSPATH, GatewayDemo.class.getName(), "--port", "0",
                "--upstream", "http://127.0.0.1:3000", "--upstream", "http://127.0.0.1:3000/")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();

        assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
        String stderr = new String(gateway.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gateway.exitValue()).isEqualTo(2);
        assertThat(stderr).contains("endpoints", "http://127.0.0.1:3000", "--upstream")
                .doesNotContain("Exception", "\tat ");
    }

    @Test
    void stopsWhenTheProcessThatStartedItEndsIfAskedTo() throws Exception {
        // As under Maven: an IDE's stop button or a CI timeout ends Maven, and the gateway must not keep the port.
        String command = "'" + JAVA + "' -D" + GatewayDemo.EXIT_WITH_PARENT_PROPERTY + "=true -cp '" + CLASSPATH + "' "
                + GatewayDemo.class.getName() + " --port 0 2>/dev/null & echo \"pid=$!\"; wait";
        Process parent = new ProcessBuilder(List.of("bash", "-c", command)).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
        Long pid = null;
        boolean started = false;
        for (String line = out.readLine(); line != null && (pid == null || !started); line = out.readLine()) {
            if (line.startsWith("pid=")) {
                pid = Long.parseLong(line.substring(4).trim());
            }
            started |= line.contains(GatewayDemo.BANNER_PREFIX); // up: its parent is watched by now
        }
        assertThat(pid).as("the gateway's pid").isNotNull();
        assertThat(started).as("the gateway's banner").isTrue();
        ProcessHandle gateway = ProcessHandle.of(pid).orElseThrow();
        try {
            parent.destroyForcibly(); // SIGKILL: the parent's end, no signal to the gateway
            assertThat(parent.waitFor(30, TimeUnit.SECONDS)).isTrue();

            assertThat(gateway.onExit()).as("the gateway after its parent ended").succeedsWithin(60, TimeUnit.SECONDS);
        } finally {
            gateway.destroyForcibly();
        }
    }
}
