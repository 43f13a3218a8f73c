package kvstore.netty.cli;

import kvstore.netty.RepoDocs;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flag tables of the README and docs/api.md say what picocli takes: every row names real flags with their
 * environment variables and defaults, and docs/api.md has a row for every flag of the server.
 */
class DocumentedFlagsTest {
    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Z_]+)(?::-([^}]*))?}");
    private static final Pattern TICKED = Pattern.compile("`([^`]*)`");

    /** A flag as picocli has it: its environment variable and default, or null for none. */
    private record Flag(String env, String defaultValue) {
    }

    /** A row of a flag table: the flags of its first column, the variables of its second, its default. */
    private record Row(String file, List<String> flags, List<String> envs, String defaultText) {
    }

    private static Map<String, Flag> serverFlags() {
        Map<String, Flag> flags = new LinkedHashMap<>();
        for (OptionSpec o : Main.commandLine().getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp() || o.hidden()) { // hidden: for tests, not for users
                continue;
            }
            String raw = o.defaultValueString(false);
            Matcher env = raw == null ? null : ENV.matcher(raw);
            boolean fromEnv = env != null && env.matches();
            String fallback = fromEnv ? env.group(2) : raw;
            if (o.arity().max() == 0 && fallback == null) {
                fallback = "false";
            }
            flags.put(o.longestName(), new Flag(fromEnv ? env.group(1) : null, fallback));
        }
        return flags;
    }

    private static List<Row> rows(String file) {
        List<Row> rows = new ArrayList<>();
        for (String line : RepoDocs.read(file).split("\n")) {
            if (!line.startsWith("| `--")) {
                continue;
            }
            String[] cells = line.split("\\|");
            rows.add(new Row(file, ticked(cells[1]), ticked(cells[2]), cells[3].strip()));
        }
        return rows;
    }

    private static List<String> ticked(String cell) {
        List<String> found = new ArrayList<>();
        Matcher m = TICKED.matcher(cell);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** What a default cell must say for picocli's default: the value in backticks, or a word for none. */
    private static boolean saysDefault(String cell, String picocliDefault) {
        if (picocliDefault == null || picocliDefault.isEmpty()) {
            return !cell.contains("`");
        }
        if (picocliDefault.equals("false")) {
            return cell.equals("off");
        }
        return cell.equals("`" + picocliDefault + "`");
    }

    @Test
    void shouldNameRealFlagsWithTheirVariablesAndDefaultsInEveryFlagTable() {
        Map<String, Flag> flags = serverFlags();
        List<Row> rows = new ArrayList<>(rows("README.md"));
        rows.addAll(rows("docs/api.md"));
        assertTrue(rows.size() > 30, "flag tables found: " + rows.size());
        for (Row row : rows) {
            for (int i = 0; i < row.flags().size(); i++) {
                String name = row.flags().get(i);
                Flag flag = flags.get(name);
                String where = row.file() + ", the row of " + name;
                assertTrue(flag != null, where + ": the server has no such flag (it has " + flags.keySet() + ")");
                String env = i < row.envs().size() ? row.envs().get(i) : null;
                assertEquals(flag.env(), env, where + ": its environment variable");
                if (row.flags().size() == 1) {
                    assertTrue(saysDefault(row.defaultText(), flag.defaultValue()), where + ": the default cell says "
                            + row.defaultText() + " where the flag's default is " + flag.defaultValue());
                }
            }
        }
    }

    @Test
    void shouldHaveARowForEveryFlagOfTheServerInTheApiDoc() {
        List<String> documented = rows("docs/api.md").stream().flatMap(r -> r.flags().stream()).toList();
        for (String flag : serverFlags().keySet()) {
            assertTrue(documented.contains(flag), "docs/api.md has no flag table row for " + flag);
        }
    }
}
