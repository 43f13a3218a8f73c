package kvstore.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A scripted HTTP server for the client's unit tests (the JDK's own small server): it records every request and
 * answers as the test's handler says. It stands in for a server where the test needs an answer the real one gives
 * only under faults (a 503 "outcome unknown", a stream cut inside a batch); the client's tests against the real
 * server live in kvstore-netty's test tree.
 */
final class StubServer implements AutoCloseable {
    /** One request as the stub saw it: the path raw, as it came on the wire. */
    record Request(String method, String rawPathAndQuery, com.sun.net.httpserver.Headers headers, String body) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange exchange, Request request) throws Exception;
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    StubServer(Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (exchange) {
                String query = exchange.getRequestURI().getRawQuery();
                Request request = new Request(exchange.getRequestMethod(),
                        exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query),
                        exchange.getRequestHeaders(),
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                requests.add(request);
                handler.handle(exchange, request);
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers {@code status} with a JSON body. */
    static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Starts an event stream; write events with {@link #event}. */
    static OutputStream startEvents(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    static void event(OutputStream out, String type, long id, String data) throws IOException {
        out.write(("id: " + id + "\nevent: " + type + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    /** An address where nothing listens: connections to it are refused. */
    static String refusingUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    /** A server that reads each request whole and then closes the connection without an answer: a lost answer. */
    static final class Dropping implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0);
        final List<String> requests = new CopyOnWriteArrayList<>();
        private final Thread thread = new Thread(this::serve, "dropping stub");

        Dropping() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket connection = socket.accept()) {
                    requests.add(readRequest(connection.getInputStream()));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static String readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.append((char) b);
            }
            String text = head.toString();
            int at = text.toLowerCase().indexOf("content-length:");
            if (at >= 0) {
                int length = Integer.parseInt(text.substring(at + 15, text.indexOf("\r\n", at)).strip());
                in.readNBytes(length);
            }
            return text.substring(0, Math.max(0, text.indexOf("\r\n")));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
