package kvstore.netty.cli.client;

import kvstore.client.KvClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** {@code kvstore backup FILE}: saves a backup of the whole data set. */
@Command(name = "backup", description = {"Save a backup of the whole data set to a file.",
    "The backup is the data as it stood at one instant; prints {\"file\",\"bytes\"}. Saved as wal.log in an empty data directory, it starts a",
    "server holding that state. The file appears only once the backup is complete."})
final class BackupCommand extends ClientCommand {
    @Parameters(paramLabel = "FILE", description = "Where to write the backup; - for stdout.")
    String file;

    @Override
    int run(KvClient client) throws IOException {
        if (file.equals("-")) {
            client.admin().backup(System.out);
            System.out.flush();
            return ExitStatus.OK;
        }
        Path target = Path.of(file).toAbsolutePath();
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        long bytes;
        try (OutputStream out = Files.newOutputStream(partial)) {
            bytes = client.admin().backup(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        out().println(Printed.text(Printed.object().put("file", file).put("bytes", bytes)));
        return ExitStatus.OK;
    }
}
