import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.jena.query.QueryException;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.Syntax;

/**
 * Parses each file named on the command line as a SPARQL 1.1 query with Apache Jena
 * ARQ: strict SPARQL 1.1 syntax (no ARQ extensions), no predeclared prefixes.
 * Prints "ok FILE" or "error FILE: message" per file; exits 1 if any failed.
 */
public class ParseQueries {
    public static void main(String[] args) throws Exception {
        int failed = 0;
        for (String name : args) {
            String text = Files.readString(Path.of(name), StandardCharsets.UTF_8);
            try {
                QueryFactory.create(text, Syntax.syntaxSPARQL_11);
                System.out.println("ok " + name);
            } catch (QueryException e) {
                failed++;
                System.out.println("error " + name + ": " + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
