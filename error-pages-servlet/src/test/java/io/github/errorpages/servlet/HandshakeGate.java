package io.github.errorpages.servlet;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on a loopback port in front of a TLS upstream that passes nothing of any connection until the test
 * opens it: the kernel completes each TCP connect, and the client's TLS hello waits in the relay, so the upstream
 * gets it exactly when the test says (a connection the client closed meanwhile gets no further), and at once for a
 * connection made after that. Jetty's client sends its hello
 * as it writes a request's head: a hello held says that a request's head waits on the handshake.
 */
final class HandshakeGate implements Closeable {
    private final ServerSocket server;
    private final int upstreamPort;
    private final CountDownLatch open = new CountDownLatch(1);
    private final CountDownLatch helloHeld = new CountDownLatch(1);
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "handshake-gate");
        t.setDaemon(true);
        return t;
    });

    private HandshakeGate(ServerSocket server, int upstreamPort) {
        this.server = server;
        this.upstreamPort = upstreamPort;
        threads.execute(this::acceptLoop);
    }

    /**
     * @param upstreamPort the loopback port of the TLS upstream behind the gate
     * @return the gate, closed
     */
    static HandshakeGate before(int upstreamPort) {
        try {
            return new HandshakeGate(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), upstreamPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return {@code https://localhost:port}, the name the upstream's certificate is for */
    URI uri() {
        return URI.create("https://localhost:" + server.getLocalPort());
    }

    /** @return whether the gate, still closed, holds the first bytes a client sent (its TLS hello) */
    boolean holdsAHello() {
        return helloHeld.getCount() == 0 && open.getCount() > 0;
    }

    /** Lets the bytes of every connection, held so far and to come, through. */
    void open() {
        open.countDown();
    }

    @Override
    public void close() {
        open.countDown();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                threads.execute(() -> relay(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(Socket client) {
        try {
            byte[] hello = new byte[16 * 1024];
            int n = client.getInputStream().read(hello);
            if (n < 0) {
                client.close();
                return;
            }
            helloHeld.countDown();
            if (!open.await(30, TimeUnit.SECONDS)) {
                client.close();
                return;
            }
            Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
            sockets.add(upstream);
            upstream.getOutputStream().write(hello, 0, n);
            threads.execute(() -> copy(upstream, client));
            copy(client, upstream);
        } catch (IOException e) {
            // a connection the client or the upstream ended: nothing more to relay
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Copies what {@code from} reads to {@code to} until either ends, then ends both. */
    private static void copy(Socket from, Socket to) {
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[8192];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // ended by the other side: closed above
        }
    }
}
