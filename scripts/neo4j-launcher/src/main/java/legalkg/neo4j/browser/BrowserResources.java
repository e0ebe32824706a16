package legalkg.neo4j.browser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.ws.rs.GET;
import javax.ws.rs.Produces;
import javax.ws.rs.core.Response;

/**
 * What Neo4j Browser loads after connecting (browser.post_connect_cmd): the saved
 * Cypher queries (queries/*.cypher) as a guide, and a style that captions nodes
 * by what users know them by (an instrument by its symbol). Mounted by Neo4j's
 * web server as an unmanaged extension at {@link #MOUNT}, outside authentication:
 * nothing here comes from the database.
 */
@javax.ws.rs.Path("/")
public class BrowserResources {

    public static final String MOUNT = "/legal-kg";
    /** System property naming the directory of the saved queries. */
    public static final String QUERIES_PROPERTY = "legalkg.queries";

    static final String STYLE = """
            node.Instrument {
              caption: '{symbol}';
              diameter: 110px;
              font-size: 10px;
            }
            node.Report {
              caption: '{label}';
            }
            node.DocumentType {
              caption: '{code}';
            }
            node.Issuer {
              caption: '{code}';
            }
            node.Jurisdiction {
              caption: '{name}';
            }
            """;

    @GET
    @javax.ws.rs.Path("style.grass")
    @Produces("text/plain; charset=utf-8")
    public String style() {
        return STYLE;
    }

    @GET
    @javax.ws.rs.Path("guide.html")
    @Produces("text/html; charset=utf-8")
    public Response guide() {
        String dir = System.getProperty(QUERIES_PROPERTY);
        try {
            List<SavedQuery> queries = dir == null ? List.of() : SavedQuery.all(Path.of(dir));
            return Response.ok(guideHtml(queries)).build();
        } catch (IOException e) {
            return Response.serverError().type("text/plain").entity("cannot read the saved queries: " + e).build();
        }
    }

    /** One slide listing the queries, then one per query: its description and runnable text. */
    static String guideHtml(List<SavedQuery> queries) {
        StringBuilder html = new StringBuilder("""
                <!DOCTYPE html>
                <html><head><meta charset="utf-8"><title>legal-kg saved queries</title></head><body>
                <article class="guide">
                <slide class="row-fluid"><div class="col-sm-12">
                <h3>legal-kg: saved queries</h3>
                <p>The questions in <code>queries/*.cypher</code>, the same ones <code>kg cypher NAME</code> runs.
                Click a query to put it in the editor, then run it. A query with parameters reads them from
                <code>:params</code>: click its <code>:params</code> line first (a parameter set to
                <code>null</code> does not restrict).</p>
                <ul>
                """);
        for (SavedQuery q : queries) {
            html.append("<li><b>").append(escape(q.name())).append("</b>: ").append(escape(q.summary())).append("</li>\n");
        }
        html.append("</ul>\n</div></slide>\n");
        for (SavedQuery q : queries) {
            html.append("<slide class=\"row-fluid\"><div class=\"col-sm-12\">\n")
                    .append("<h3>").append(escape(q.name())).append("</h3>\n")
                    .append("<p>").append(escape(q.summary())).append("</p>\n");
            if (!q.exampleParams().isEmpty()) {
                html.append("<pre class=\"runnable\">").append(escape(q.paramsCommand())).append("</pre>\n");
            }
            html.append("<pre class=\"runnable\">").append(escape(q.body())).append("</pre>\n")
                    .append("<pre>").append(escape(q.header())).append("</pre>\n")
                    .append("</div></slide>\n");
        }
        return html.append("</article>\n</body></html>\n").toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /**
     * A saved query file: its leading {@code //} comment (the header: "NAME: summary",
     * parameters, columns, an "Example:" command line) and the query after it.
     */
    record SavedQuery(String name, String header, String body, List<String[]> exampleParams) {

        static List<SavedQuery> all(Path dir) throws IOException {
            List<SavedQuery> out = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".cypher")).sorted().toList()) {
                    out.add(read(f));
                }
            }
            return out;
        }

        static SavedQuery read(Path file) throws IOException {
            String name = file.getFileName().toString().replaceFirst("\\.cypher$", "");
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            int i = 0;
            List<String> header = new ArrayList<>();
            while (i < lines.size() && lines.get(i).startsWith("//")) {
                header.add(lines.get(i).substring(2).strip());
                i++;
            }
            String body = String.join("\n", lines.subList(i, lines.size())).strip();
            List<String[]> params = new ArrayList<>();
            for (String line : header) {
                if (line.startsWith("kg cypher ")) {
                    params = exampleParams(line);
                }
            }
            return new SavedQuery(name, String.join("\n", header), body, params);
        }

        /** The first sentence of the header, without its "NAME:" prefix (as kg cypher --list shows it). */
        String summary() {
            StringBuilder s = new StringBuilder();
            for (String line : header.split("\n", -1)) {
                if (line.isBlank()) {
                    break;
                }
                s.append(s.length() == 0 ? "" : " ").append(line);
            }
            String sentence = s.toString().split("(?<=\\.)\\s", 2)[0];
            return sentence.replaceFirst("^" + java.util.regex.Pattern.quote(name) + ":\\s*", "");
        }

        /** {@code :params {symbol: '60/2021/NĐ-CP', year: 2023}} from the example's -p pairs. */
        String paramsCommand() {
            StringBuilder s = new StringBuilder(":params {");
            for (String[] p : exampleParams) {
                s.append(s.length() > 9 ? ", " : "").append(p[0]).append(": ");
                s.append(p[1].matches("-?\\d+") ? p[1] : "'" + p[1].replace("\\", "\\\\").replace("'", "\\'") + "'");
            }
            return s.append("}").toString();
        }

        /** The name=value pairs after each -p of a shell command line ("…" quotes a value). */
        static List<String[]> exampleParams(String commandLine) {
            List<String> words = new ArrayList<>();
            StringBuilder word = new StringBuilder();
            boolean quoted = false;
            for (char c : commandLine.toCharArray()) {
                if (c == '"') {
                    quoted = !quoted;
                } else if (Character.isWhitespace(c) && !quoted) {
                    if (word.length() > 0) {
                        words.add(word.toString());
                        word.setLength(0);
                    }
                } else {
                    word.append(c);
                }
            }
            if (word.length() > 0) {
                words.add(word.toString());
            }
            List<String[]> out = new ArrayList<>();
            for (int i = 0; i + 1 < words.size(); i++) {
                int eq = words.get(i + 1).indexOf('=');
                if (words.get(i).equals("-p") && eq > 0) {
                    out.add(new String[] {words.get(i + 1).substring(0, eq), words.get(i + 1).substring(eq + 1)});
                }
            }
            return out;
        }
    }
}
