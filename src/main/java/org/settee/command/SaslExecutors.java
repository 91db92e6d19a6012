package org.settee.command;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import org.settee.kv.Bucket;
import org.settee.kv.BucketRegistry;
import org.settee.net.Connection;
import org.settee.protocol.Opcode;
import org.settee.protocol.Status;
import org.settee.security.Privilege;
import org.settee.security.SaslMechanism;
import org.settee.security.SaslServer;
import org.settee.security.SaslServers;
import org.settee.security.SaslStep;
import org.settee.security.UserStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SASL_LIST_MECHS, SASL_AUTH and SASL_STEP. */
final class SaslExecutors {
  private static final Logger LOG = LoggerFactory.getLogger(SaslExecutors.class);
  private static final byte[] EMPTY = new byte[0];

  private SaslExecutors() {}

  static final CommandExecutor LIST_MECHS =
      cookie -> {
        cookie.expectExtras(0);
        cookie.expectNoKey();
        cookie.expectNoValue();
        cookie.respond(
            Status.SUCCESS,
            0,
            0,
            EMPTY,
            EMPTY,
            SaslMechanism.listMechs().getBytes(StandardCharsets.US_ASCII));
      };

  /**
   * SASL_AUTH starts an exchange (and forgets any earlier identity); SASL_STEP continues it. After
   * success a user named like a bucket lands in that bucket, as Couchbase does for legacy memcached
   * clients, which never send SELECT_BUCKET.
   */
  static final class Auth implements CommandExecutor {
    private final UserStore users;
    private final BucketRegistry buckets;
    private final Executor passwordHashing;

    /**
     * @param passwordHashing where PLAIN passwords are checked: PBKDF2 with thousands of iterations
     *     takes milliseconds, too long for an event loop that serves other clients
     */
    Auth(UserStore users, BucketRegistry buckets, Executor passwordHashing) {
      this.users = users;
      this.buckets = buckets;
      this.passwordHashing = passwordHashing;
    }

    @Override
    public void execute(Cookie cookie) {
      cookie.expectExtras(0);
      var request = cookie.request();
      Connection connection = cookie.connection();
      if (connection.isCertificateAuthenticated()) {
        // The certificate is the identity for the connection's life, as in memcached.
        throw new CommandException(
            Status.NOT_SUPPORTED,
            "authenticated by client certificate as " + connection.user().name());
      }
      String mechName = new String(request.key(), StandardCharsets.US_ASCII);
      SaslMechanism mechanism = SaslMechanism.byWireName(mechName);
      SaslServer server;
      if (request.opcode() == Opcode.SASL_AUTH) {
        if (connection.state().isAuthenticated()) {
          connection.unauthenticated();
        }
        connection.sasl(null);
        if (mechanism == null) {
          throw new CommandException(
              Status.AUTH_ERROR,
              "unsupported mechanism " + mechName + "; supported: " + SaslMechanism.listMechs());
        }
        server = SaslServers.create(mechanism, users);
      } else {
        server = connection.sasl();
        if (server == null || server.mechanism() != mechanism) {
          throw CommandException.invalid("SASL_STEP without a matching SASL_AUTH");
        }
      }
      byte[] message = request.valueBytes();
      if (mechanism == SaslMechanism.PLAIN) {
        SaslServer plain = server;
        cookie.offload(
            passwordHashing, () -> plain.evaluate(message), step -> answer(cookie, plain, step));
      } else {
        answer(cookie, server, server.evaluate(message));
      }
    }

    private void answer(Cookie cookie, SaslServer server, SaslStep step) {
      Connection connection = cookie.connection();
      switch (step.outcome()) {
        case CONTINUE -> {
          connection.sasl(server);
          cookie.respond(Status.AUTH_CONTINUE, 0, 0, EMPTY, EMPTY, step.challenge());
        }
        case SUCCESS -> {
          connection.sasl(null);
          connection.authenticated(step.user());
          autoSelect(connection);
          cookie.respond(Status.SUCCESS, 0, 0, EMPTY, EMPTY, step.challenge());
        }
        case FAILURE -> {
          connection.sasl(null);
          LOG.info(
              "conn {}: authentication failed ({}) from {}",
              connection.id(),
              server.mechanism().wireName(),
              connection.peer());
          throw new CommandException(Status.AUTH_ERROR, "authentication failed");
        }
        case INVALID -> {
          connection.sasl(null);
          throw CommandException.invalid(step.errorContext());
        }
      }
    }

    private void autoSelect(Connection connection) {
      String name = connection.user().name();
      Bucket bucket = buckets.get(name);
      if (bucket != null && connection.can(Privilege.SELECT, name)) {
        connection.select(bucket);
      }
    }
  }

  /** SELECT_BUCKET: binds the connection to a bucket; "@no bucket@" unbinds it. */
  static final class SelectBucket implements CommandExecutor {
    static final String NO_BUCKET = "@no bucket@";
    private final BucketRegistry buckets;

    SelectBucket(BucketRegistry buckets) {
      this.buckets = buckets;
    }

    @Override
    public void execute(Cookie cookie) {
      cookie.expectExtras(0);
      cookie.expectNoValue();
      String name = new String(cookie.request().key(), StandardCharsets.UTF_8);
      Connection connection = cookie.connection();
      if (NO_BUCKET.equals(name)) {
        connection.select(null);
        cookie.success(0);
        return;
      }
      if (!connection.can(Privilege.SELECT, name)) {
        throw new CommandException(Status.EACCESS, "no access to bucket " + name);
      }
      Bucket bucket = buckets.get(name);
      if (bucket == null) {
        throw new CommandException(Status.KEY_ENOENT, "no bucket " + name);
      }
      connection.select(bucket);
      cookie.success(0);
    }
  }
}
