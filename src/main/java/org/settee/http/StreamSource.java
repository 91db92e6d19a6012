package org.settee.http;

/**
 * What a streaming endpoint ({@code /pools/default/bs/<b>}) sends: the current document, asked
 * again on every configuration change and sent when it differs from the last one sent.
 */
@FunctionalInterface
interface StreamSource {
  /** The document as it is now, or null once its subject is gone: the stream then ends. */
  byte[] current();
}
