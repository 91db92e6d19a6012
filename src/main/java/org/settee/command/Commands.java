package org.settee.command;

import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.settee.cluster.ConfigJson;
import org.settee.dcp.DcpConnections;
import org.settee.kv.BucketRegistry;
import org.settee.kv.StoreMode;
import org.settee.net.ConnectionRegistry;
import org.settee.protocol.Opcode;
import org.settee.security.Privilege;
import org.settee.security.UserStore;
import org.settee.storage.BucketStorage;
import org.settee.util.Clock;

/** Builds the node's command table: every opcode Settee serves, its access rule and executor. */
public final class Commands {
  private static final Set<Privilege> NONE = Set.of();

  private Commands() {}

  public static CommandTable table(
      UserStore users,
      BucketRegistry buckets,
      ConnectionRegistry connections,
      ConfigJson configs,
      Function<String, BucketStorage> storages,
      Clock clock,
      Executor passwordHashing,
      DcpConnections dcp) {
    CommandTable t = new CommandTable();
    // Allowed before authentication (kv_engine's list).
    t.register(Access.ANYONE, NONE, new HelloExecutor(), Opcode.HELLO);
    t.register(Access.ANYONE, NONE, SaslExecutors.LIST_MECHS, Opcode.SASL_LIST_MECHS);
    t.register(
        Access.ANYONE,
        NONE,
        new SaslExecutors.Auth(users, buckets, passwordHashing),
        Opcode.SASL_AUTH,
        Opcode.SASL_STEP);
    t.register(Access.ANYONE, NONE, new ErrorMapExecutor(), Opcode.GET_ERROR_MAP);
    // Session commands.
    t.register(Access.AUTHENTICATED, NONE, SimpleExecutors.NOOP, Opcode.NOOP);
    t.register(Access.AUTHENTICATED, NONE, SimpleExecutors.VERSION, Opcode.VERSION);
    t.register(Access.ANYONE, NONE, SimpleExecutors.QUIT, Opcode.QUIT, Opcode.QUITQ);
    t.register(
        Access.AUTHENTICATED, NONE, new SaslExecutors.SelectBucket(buckets), Opcode.SELECT_BUCKET);
    t.register(
        Access.AUTHENTICATED,
        NONE,
        new StatExecutor(connections, storages, clock, dcp),
        Opcode.STAT);
    t.register(
        Access.AUTHENTICATED, NONE, new ClusterConfigExecutor(configs), Opcode.GET_CLUSTER_CONFIG);
    // Data commands, against the selected bucket.
    Set<Privilege> read = Set.of(Privilege.DATA_READ);
    Set<Privilege> write = Set.of(Privilege.DATA_WRITE);
    Set<Privilege> readWrite = Set.of(Privilege.DATA_READ, Privilege.DATA_WRITE);
    t.register(
        Access.BUCKET, read, new GetExecutor(), Opcode.GET, Opcode.GETQ, Opcode.GETK, Opcode.GETKQ);
    t.register(
        Access.BUCKET, write, new StoreExecutor(StoreMode.SET, clock), Opcode.SET, Opcode.SETQ);
    t.register(
        Access.BUCKET, write, new StoreExecutor(StoreMode.ADD, clock), Opcode.ADD, Opcode.ADDQ);
    t.register(
        Access.BUCKET,
        write,
        new StoreExecutor(StoreMode.REPLACE, clock),
        Opcode.REPLACE,
        Opcode.REPLACEQ);
    t.register(Access.BUCKET, write, new DeleteExecutor(), Opcode.DELETE, Opcode.DELETEQ);
    t.register(
        Access.BUCKET, write, new ArithmeticExecutor(true), Opcode.INCREMENT, Opcode.INCREMENTQ);
    t.register(
        Access.BUCKET, write, new ArithmeticExecutor(false), Opcode.DECREMENT, Opcode.DECREMENTQ);
    t.register(Access.BUCKET, write, new ConcatExecutor(true), Opcode.APPEND, Opcode.APPENDQ);
    t.register(Access.BUCKET, write, new ConcatExecutor(false), Opcode.PREPEND, Opcode.PREPENDQ);
    t.register(Access.BUCKET, write, new TouchExecutor(clock), Opcode.TOUCH);
    t.register(Access.BUCKET, readWrite, new TouchExecutor(clock), Opcode.GAT, Opcode.GATQ);
    t.register(Access.BUCKET, readWrite, new GetLockedExecutor(), Opcode.GET_LOCKED);
    t.register(Access.BUCKET, readWrite, new UnlockExecutor(), Opcode.UNLOCK_KEY);
    t.register(Access.BUCKET, read, new GetMetaExecutor(), Opcode.GET_META);
    t.register(Access.BUCKET, read, new ObserveSeqnoExecutor(), Opcode.OBSERVE_SEQNO);
    t.register(Access.BUCKET, read, new ObserveExecutor(), Opcode.OBSERVE);
    t.register(
        Access.BUCKET,
        Set.of(Privilege.BUCKET_FLUSH),
        new FlushExecutor(),
        Opcode.FLUSH,
        Opcode.FLUSHQ);
    // DCP (spec/dcp.md): privileges are checked by DCP_OPEN, which depends on its flags.
    t.register(Access.BUCKET, NONE, new DcpExecutors.Open(dcp, storages), Opcode.DCP_OPEN);
    t.register(Access.BUCKET, NONE, new DcpExecutors.Control(), Opcode.DCP_CONTROL);
    t.register(Access.BUCKET, NONE, new DcpExecutors.StreamRequest(), Opcode.DCP_STREAM_REQ);
    t.register(Access.BUCKET, NONE, new DcpExecutors.CloseStream(), Opcode.DCP_CLOSE_STREAM);
    t.register(
        Access.BUCKET, NONE, new DcpExecutors.BufferAck(), Opcode.DCP_BUFFER_ACKNOWLEDGEMENT);
    t.register(Access.BUCKET, NONE, new DcpExecutors.NoopRequest(), Opcode.DCP_NOOP);
    t.register(
        Access.BUCKET, NONE, new DcpExecutors.FailoverLogExecutor(), Opcode.DCP_GET_FAILOVER_LOG);
    t.register(Access.BUCKET, NONE, new DcpExecutors.AllVbSeqnos(), Opcode.GET_ALL_VB_SEQNOS);
    return t;
  }
}
