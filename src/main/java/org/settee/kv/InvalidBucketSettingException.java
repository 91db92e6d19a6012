package org.settee.kv;

/** A bucket setting that cannot be accepted; names the field, as Couchbase's 400 answers do. */
public final class InvalidBucketSettingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public InvalidBucketSettingException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The REST parameter at fault ({@code name}, {@code ramQuota}, ...). */
  public String field() {
    return field;
  }
}
