package org.settee.kv;

import org.settee.protocol.Status;

/**
 * The outcome of one operation on a vBucket.
 *
 * @param item the document version read or written (null on failure)
 * @param cas the CAS to show the client: the item's, or {@link Item#LOCKED_CAS} for a locked read
 */
public record KvResult(Status status, Item item, long cas) {
  public static KvResult failure(Status status) {
    return new KvResult(status, null, 0);
  }

  public static KvResult success(Item item) {
    return new KvResult(Status.SUCCESS, item, item.cas());
  }

  public boolean isSuccess() {
    return status == Status.SUCCESS;
  }
}
