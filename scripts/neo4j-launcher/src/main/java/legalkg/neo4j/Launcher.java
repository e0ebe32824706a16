package legalkg.neo4j;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Runs a real Neo4j Community 5.26 DBMS in this JVM and exposes it over Bolt on
 * 127.0.0.1 (by default). Authentication is DISABLED: this is a local
 * development / test server, reachable only from this machine.
 *
 * <p>Usage:
 * <pre>
 *   java -cp 'target/classes:target/lib/*' legalkg.neo4j.Launcher [PORT [HOME]]
 *   java -cp 'target/classes:target/lib/*' legalkg.neo4j.Launcher --port 7687 --home DIR
 *        [--host 127.0.0.1] [--pagecache 256m]
 * </pre>
 *
 * HOME is the Neo4j home: data/ and logs/ are created under it. If HOME/neo4j.conf
 * exists it is loaded (standard neo4j.conf "key=value" syntax) before the
 * launcher's own settings, which always win for the Bolt address, auth and home.
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
        Path home = Path.of(".neo4j");
        String host = "127.0.0.1";
        String pagecache = "256m";

        int positional = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--port" -> port = Integer.parseInt(need(args, ++i, a));
                case "--home" -> home = Path.of(need(args, ++i, a));
                case "--host" -> host = need(args, ++i, a);
                case "--pagecache" -> pagecache = need(args, ++i, a);
                case "-h", "--help" -> {
                    System.out.println("usage: Launcher [--port N] [--home DIR] [--host ADDR] [--pagecache SIZE] | [PORT [HOME]]");
                    return;
                }
                default -> {
                    if (a.startsWith("-")) {
                        die("unknown option: " + a);
                    }
                    if (positional == 0) {
                        port = Integer.parseInt(a);
                    } else if (positional == 1) {
                        home = Path.of(a);
                    } else {
                        die("too many arguments: " + a);
                    }
                    positional++;
                }
            }
        }
        if (port < 1 || port > 65535) {
            die("invalid port: " + port);
        }
        home = home.toAbsolutePath().normalize();
        Files.createDirectories(home);

        long t0 = System.nanoTime();
        System.out.printf("NEO4J_STARTING home=%s bolt=%s:%d%n", home, host, port);
        System.out.flush();

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
        Path conf = home.resolve("neo4j.conf");
        if (Files.isRegularFile(conf)) {
            builder.loadPropertiesFromFile(conf);
        }
        builder.setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                // Bolt on loopback only, no TLS, no auth: local dev/test server.
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(host))
                .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(host))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
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
        waitForPort(host, port, Duration.ofSeconds(60));

        System.out.printf("NEO4J_READY bolt://%s:%d version=%s pid=%d startup_ms=%d%n",
                host, port, version, ProcessHandle.current().pid(),
                (System.nanoTime() - t0) / 1_000_000);
        System.out.flush();

        done.await(); // park until a shutdown hook runs (SIGTERM / SIGINT)
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
