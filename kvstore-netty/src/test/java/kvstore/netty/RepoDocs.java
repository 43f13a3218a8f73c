package kvstore.netty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's own documents (README.md, docs/), read by the tests that keep them true. */
public final class RepoDocs {
    /** The repository's root: the build runs each module's tests in the module's directory. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private RepoDocs() {
    }

    /** The text of {@code file}, a path from the repository's root. */
    public static String read(String file) {
        try {
            return Files.readString(ROOT.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #read}, with every run of white space (line breaks in a paragraph included) as one space. */
    public static String prose(String file) {
        return read(file).replaceAll("\\s+", " ");
    }
}
