package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The web console ({@code GET /ui/{file}}): the files under {@code kvstore/ui/} in the jar, read once at start
 * (so no event loop ever waits on the disk) and served by their bare names. A name is looked up in that
 * set and nothing else, so no path can reach a file outside it ({@code ..}, {@code %2e}, {@code /} never
 * resolve). {@code /ui/} is {@code index.html}; {@code /ui} is redirected to {@code /ui/}, whose relative links
 * the page's modules use.
 *
 * <p>Every file is sent with {@code Cache-Control: no-cache} and an {@code ETag} made from its bytes: a browser
 * keeps its copy and asks each time whether it is still current ({@code 304}), so a new jar's console is never
 * mixed with an old one's modules. The Content-Security-Policy allows only this server's own scripts,
 * styles and images and requests to itself: no inline script or style, no other site, no framing.
 */
final class ConsoleFiles {
    static final String RESOURCE_DIRECTORY = "kvstore/ui/";
    static final String INDEX = "index.html";
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** The types of the files the console is made of; a file of another kind stops the start (see {@link #load}). */
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml");

    /** One file, as sent. */
    record File(byte[] bytes, String contentType, String etag) {
    }

    /** By bare name; never changed after {@link #load}, so every event loop reads it freely. */
    private final Map<String, File> files;

    ConsoleFiles(Map<String, File> files) {
        this.files = Map.copyOf(files);
    }

    /** The console as the jar (or, in the module's own tests, the classes directory) holds it. */
    static ConsoleFiles load() {
        return load(ConsoleFiles.class.getClassLoader());
    }

    static ConsoleFiles load(ClassLoader loader) {
        URL directory = loader.getResource(RESOURCE_DIRECTORY);
        if (directory == null) {
            throw new IllegalStateException(RESOURCE_DIRECTORY + " is missing from the jar");
        }
        Map<String, File> files = new HashMap<>();
        try {
            if (!"jar".equals(directory.getProtocol())) {
                readDirectory(Path.of(directory.toURI()), files);
            } else {
                // The jar's own entries, not a zip file system over it: that one indexes every entry of the jar
                // first, which cost a start more than all the rest of the console.
                JarURLConnection connection = (JarURLConnection) directory.openConnection();
                connection.setUseCaches(false);
                try (JarFile jar = connection.getJarFile()) {
                    readJar(jar, files);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console's files", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (!files.containsKey(INDEX)) {
            throw new IllegalStateException(RESOURCE_DIRECTORY + INDEX + " is missing from the jar");
        }
        return new ConsoleFiles(files);
    }

    private static void readDirectory(Path directory, Map<String, File> files) throws IOException {
        try (Stream<Path> listed = Files.list(directory)) {
            for (Path path : (Iterable<Path>) listed::iterator) {
                add(files, path.getFileName().toString(), Files.isRegularFile(path) ? Files.readAllBytes(path) : null);
            }
        }
    }

    private static void readJar(JarFile jar, Map<String, File> files) throws IOException {
        for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
            JarEntry entry = entries.nextElement();
            String name = entry.getName();
            if (name.startsWith(RESOURCE_DIRECTORY) && name.length() > RESOURCE_DIRECTORY.length()) {
                String rest = name.substring(RESOURCE_DIRECTORY.length());
                int slash = rest.indexOf('/');
                if (slash >= 0) {
                    add(files, rest.substring(0, slash), null);
                    continue;
                }
                try (InputStream in = jar.getInputStream(entry)) {
                    add(files, rest, in.readAllBytes());
                }
            }
        }
    }

    /** One file of the console; null bytes for a directory, which stops the start. */
    private static void add(Map<String, File> files, String name, byte[] bytes) {
        if (bytes == null) {
            throw new IllegalStateException("the console's files are served by bare name, so "
                    + RESOURCE_DIRECTORY + " holds no directories: " + name);
        }
        String type = CONTENT_TYPES.get(name.substring(name.lastIndexOf('.') + 1));
        if (type == null) {
            throw new IllegalStateException("the console file " + name + " has a type the server does not "
                    + "serve: add it to ConsoleFiles.CONTENT_TYPES");
        }
        files.put(name, new File(bytes, type, etag(bytes)));
    }

    /** A strong validator: the start of the file's SHA-256, quoted. */
    static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return '"' + HexFormat.of().formatHex(digest, 0, 12) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The names of the files served. */
    List<String> names() {
        return files.keySet().stream().sorted().toList();
    }

    /** {@code GET /ui} (redirected) or {@code GET /ui/{file}}. */
    void serve(Exchange ex) {
        String uri = ex.request().uri();
        int pathEnd = ex.pathEnd();
        if (ex.route().namesDirectory(uri, pathEnd)) {
            String location = uri.substring(0, pathEnd) + "/" + uri.substring(pathEnd);
            ex.sendWithHeaders(HttpResponseStatus.MOVED_PERMANENTLY, HttpHeaderValues.APPLICATION_JSON,
                    Replies.location(ex.alloc(), location), HttpHeaderNames.LOCATION, location);
            return;
        }
        String name = uri.substring("/ui/".length(), pathEnd);
        File file = files.get(name.isEmpty() ? INDEX : name);
        if (file == null) {
            ex.error(HttpResponseStatus.NOT_FOUND, "the console has no file " + uri.substring(0, pathEnd));
            return;
        }
        boolean current = matches(ex.request().headers().get(HttpHeaderNames.IF_NONE_MATCH), file.etag());
        ex.sendWithHeaders(current ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK, file.contentType(),
                current ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(file.bytes()),
                HttpHeaderNames.ETAG, file.etag(),
                HttpHeaderNames.CACHE_CONTROL, "no-cache",
                HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY,
                "x-content-type-options", "nosniff",
                "referrer-policy", "no-referrer");
    }

    /** Whether an {@code If-None-Match} header (or null) names {@code etag}: weak comparison, as RFC 9110 says. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
