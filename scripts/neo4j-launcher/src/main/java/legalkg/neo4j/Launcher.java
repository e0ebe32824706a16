package legalkg.neo4j;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.cli.ExecutionContext;
import org.neo4j.commandline.admin.security.SetInitialPasswordCommand;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingImpl;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.io.ByteUnit;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;
import org.neo4j.server.configuration.ServerSettings;

import legalkg.neo4j.browser.BrowserResources;
import picocli.CommandLine;

/**
 * Runs a real Neo4j Community 5.26 DBMS in this JVM and exposes it over Bolt and
 * HTTP (Neo4j Browser at /browser/, the saved queries as a Browser guide at
 * /legal-kg/guide.html) on 127.0.0.1 (by default), with authentication on.
 *
 * <p>Usage:
 * <pre>
 *   NEO4J_LAUNCHER_PASSWORD=secret java -cp 'target/classes:target/lib/*' legalkg.neo4j.Launcher
 *        --port 7687 --http-port 7474 --home DIR [--host 127.0.0.1] [--pagecache 256m] [--queries DIR]
 * </pre>
 *
 * HOME is the Neo4j home: data/, logs/ and import/ are created under it. If
 * HOME/neo4j.conf exists it is loaded (standard neo4j.conf "key=value" syntax)
 * before the launcher's own settings, which always win for the addresses, auth,
 * home and the import hardening below.
 *
 * <p>The password of the user {@code neo4j} comes from the environment variable
 * {@code NEO4J_LAUNCHER_PASSWORD} (never the command line, which other users can
 * read): set as the initial password before the first start, and set again on
 * every later start, so the home's password is always the one given.
 *
 * <p>LOAD CSV is hardened: no file URLs, an import directory of its own
 * (HOME/import), and every IPv4 and IPv6 address blocked for URL loading, so the
 * server reads no file and fetches no URL for a query.
 *
 * <p>Prints exactly one line starting with {@code NEO4J_READY } once the default
 * database answers queries and the Bolt port accepts connections. On SIGTERM /
 * SIGINT a shutdown hook shuts the DBMS down cleanly and prints
 * {@code NEO4J_STOPPED}.
 */
public final class Launcher {

    private Launcher() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            // Neo4j starts non-daemon threads: make sure a failed start really exits.
            t.printStackTrace();
            die("startup failed: " + t);
        }
    }

    private static void run(String[] args) throws Exception {
        int port = 7687;
        int httpPort = 7474;
        Path home = Path.of(".neo4j");
        Path queries = null;
        String host = "127.0.0.1";
        String pagecache = "256m";

        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--port" -> port = Integer.parseInt(need(args, ++i, a));
                case "--http-port" -> httpPort = Integer.parseInt(need(args, ++i, a));
                case "--home" -> home = Path.of(need(args, ++i, a));
                case "--host" -> host = need(args, ++i, a);
                case "--pagecache" -> pagecache = need(args, ++i, a);
                case "--queries" -> queries = Path.of(need(args, ++i, a));
                case "-h", "--help" -> {
                    System.out.println("usage: Launcher [--port N] [--http-port N] [--home DIR] [--host ADDR]"
                            + " [--pagecache SIZE] [--queries DIR]   (password: env NEO4J_LAUNCHER_PASSWORD)");
                    return;
                }
                default -> die("unknown argument: " + a);
            }
        }
        for (int p : new int[] {port, httpPort}) {
            if (p < 1 || p > 65535) {
                die("invalid port: " + p);
            }
        }
        String password = System.getenv("NEO4J_LAUNCHER_PASSWORD");
        if (password == null || password.isEmpty()) {
            die("no password: set NEO4J_LAUNCHER_PASSWORD (scripts/neo4j does)");
        }
        home = home.toAbsolutePath().normalize();
        Files.createDirectories(home);
        Path importDir = Files.createDirectories(home.resolve("import"));
        if (queries != null) {
            System.setProperty(BrowserResources.QUERIES_PROPERTY, queries.toAbsolutePath().toString());
        }

        long t0 = System.nanoTime();
        System.out.printf("NEO4J_STARTING home=%s bolt=%s:%d http=%s:%d%n", home, host, port, host, httpPort);
        System.out.flush();

        boolean firstStart = !Files.isDirectory(home.resolve("data").resolve("databases").resolve("system"));
        if (firstStart) {
            setInitialPassword(home, password);
        }

        String web = "http://" + host + ":" + httpPort;
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
        Path conf = home.resolve("neo4j.conf");
        if (Files.isRegularFile(conf)) {
            builder.loadPropertiesFromFile(conf);
        }
        builder.setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                // Bolt and HTTP on loopback only, no TLS, authentication on.
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(host))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(host))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, true)
                .setConfig(HttpConnector.listen_address, new SocketAddress(host, httpPort))
                .setConfig(HttpConnector.advertised_address, new SocketAddress(host, httpPort))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // LOAD CSV reads no file and fetches no URL (issue #10.3).
                .setConfig(GraphDatabaseSettings.allow_file_urls, false)
                .setConfig(GraphDatabaseSettings.load_csv_file_url_root, importDir)
                .setConfig(GraphDatabaseInternalSettings.cypher_ip_blocklist, parse(
                        GraphDatabaseInternalSettings.cypher_ip_blocklist, "0.0.0.0/0,::/0"))
                // Neo4j Browser: the saved queries as a guide and a style that captions
                // instruments by symbol, both served by BrowserResources without auth;
                // guides and styles only from this server.
                .setConfig(ServerSettings.third_party_packages, parse(
                        ServerSettings.third_party_packages, BrowserResources.class.getPackageName() + "=" + BrowserResources.MOUNT))
                .setConfig(ServerSettings.http_auth_allowlist, List.of("/", "/browser.*", BrowserResources.MOUNT + "/.*"))
                .setConfig(ServerSettings.browser_remote_content_hostname_whitelist, host)
                .setConfig(ServerSettings.browser_post_connect_cmd,
                        "style " + web + BrowserResources.MOUNT + "/style.grass; guide " + web + BrowserResources.MOUNT + "/guide.html")
                .setConfig(ServerSettings.allow_telemetry, false)
                // The Browser's own policy lets it load fonts, scripts and reports from
                // neo4j.com's partners; this one keeps it to this server (it works offline),
                // opened as 127.0.0.1 or as localhost.
                .setConfig(ServerSettings.http_static_content_security_policy, "default-src 'self'; "
                        + "script-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; "
                        + "base-uri 'none'; object-src 'none'; frame-ancestors 'none'; "
                        + "connect-src 'self' " + web + " ws://" + host + ":" + port + " http://" + host + ":" + port)
                // Small footprint: CI runs the tests on the same (small) machine.
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(pagecache))
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // The databases are checkpointed and closed before Bolt is torn down, so
                // Netty's default 5 s quiet period (paid twice) only slows shutdown down.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5));

        DatabaseManagementService dbms = builder.build();

        AtomicBoolean stopped = new AtomicBoolean(false);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stopped.compareAndSet(false, true)) {
                System.out.println("NEO4J_STOPPING");
                System.out.flush();
                try {
                    dbms.shutdown();
                    System.out.println("NEO4J_STOPPED");
                } catch (Throwable t) {
                    System.out.println("NEO4J_STOP_FAILED " + t);
                }
                System.out.flush();
                done.countDown();
            }
        }, "neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(Duration.ofSeconds(120).toMillis())) {
            die("default database did not become available within 120 s");
        }
        String version = db.executeTransactionally(
                "CALL dbms.components() YIELD versions RETURN versions[0] AS v",
                Map.of(),
                r -> String.valueOf(r.next().get("v")));
        if (!firstStart) {
            setPassword(dbms, password);
        }
        waitForPort(host, port, Duration.ofSeconds(60));
        waitForPort(host, httpPort, Duration.ofSeconds(60));

        System.out.printf("NEO4J_READY bolt://%s:%d %s/browser/ version=%s pid=%d startup_ms=%d%n",
                host, port, web, version, ProcessHandle.current().pid(),
                (System.nanoTime() - t0) / 1_000_000);
        System.out.flush();

        done.await(); // park until a shutdown hook runs (SIGTERM / SIGINT)
    }

    /** What {@code neo4j-admin dbms set-initial-password} does, before the first start. */
    private static void setInitialPassword(Path home, String password) {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        ExecutionContext ctx = new ExecutionContext(home, home, quiet, System.err, new DefaultFileSystemAbstraction());
        int code = new CommandLine(new SetInitialPasswordCommand(ctx)).execute(password);
        if (code != 0) {
            die("could not set the initial password (see above)");
        }
    }

    /**
     * Makes {@code password} the password of neo4j (the embedded API runs with full
     * rights: no login needed). Neo4j refuses to set the password it already has,
     * with ArgumentError, the only way this statement can be invalid here.
     */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (QueryExecutionException e) {
            if (!"Neo.ClientError.Statement.ArgumentError".equals(e.getStatusCode())) {
                throw e;
            }
        }
    }

    /** A setting's value from its neo4j.conf text (for list-valued and internal settings). */
    @SuppressWarnings("unchecked")
    private static <T> T parse(Setting<T> setting, String text) {
        return ((SettingImpl<T>) setting).parse(text);
    }

    private static void waitForPort(String host, int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        die("Bolt port " + host + ":" + port + " not accepting connections: " + last);
    }

    private static String need(String[] args, int i, String opt) {
        if (i >= args.length) {
            die("missing value for " + opt);
        }
        return args[i];
    }

    private static void die(String msg) {
        System.err.println("NEO4J_FAILED " + msg);
        System.err.flush();
        System.exit(2);
    }
}
