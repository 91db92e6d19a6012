package org.settee.command;

import java.nio.ByteBuffer;
import java.util.List;
import org.settee.kv.FailoverLog;
import org.settee.kv.VBucket;
import org.settee.protocol.Status;

/**
 * OBSERVE_SEQNO: how far a vBucket has persisted, for durability polling (the SDK's PersistTo). The
 * request names the vBucket UUID the client's mutation token carries; if the vBucket has since
 * moved to another history branch, the answer says where the old branch ended.
 *
 * <pre>
 *   request value:  vBucket UUID u64            (vBucket id in the header)
 *   format 0:  0 u8 | vb u16 | uuid u64 | persisted seqno u64 | current seqno u64
 *   format 1:  1 u8 | vb u16 | uuid u64 | persisted seqno u64 | current seqno u64
 *              | old uuid u64 | last seqno of the old branch u64
 * </pre>
 */
final class ObserveSeqnoExecutor implements CommandExecutor {
  private static final byte[] EMPTY = new byte[0];

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0);
    cookie.expectNoKey();
    if (cookie.request().valueLength() != 8) {
      throw CommandException.invalid("OBSERVE_SEQNO takes an 8-byte vBucket UUID");
    }
    long askedUuid = cookie.request().value().getLong(0);
    VBucket vb = cookie.vbucket();
    long current = vb.highSeqno();
    long persisted = Math.min(vb.persistedSeqno(), current);
    List<FailoverLog.Entry> log = vb.failoverLog().entries();
    long uuid = log.get(0).uuid();
    ByteBuffer b;
    if (askedUuid == uuid) {
      b = ByteBuffer.allocate(27).put((byte) 0);
      b.putShort((short) vb.id()).putLong(uuid).putLong(persisted).putLong(current);
    } else {
      long oldBranchEnd = -1;
      for (int i = 1; i < log.size(); i++) {
        if (log.get(i).uuid() == askedUuid) {
          // The asked branch ended where the next newer branch began.
          oldBranchEnd = log.get(i - 1).seqno();
          break;
        }
      }
      if (oldBranchEnd < 0) {
        throw new CommandException(Status.KEY_ENOENT, "unknown vBucket UUID");
      }
      b = ByteBuffer.allocate(43).put((byte) 1);
      b.putShort((short) vb.id()).putLong(uuid).putLong(persisted).putLong(current);
      b.putLong(askedUuid).putLong(oldBranchEnd);
    }
    cookie.respond(Status.SUCCESS, 0, 0, EMPTY, EMPTY, b.array());
  }
}
