package org.settee.net;

/**
 * Fired on a TLS channel that was accepted with a node certificate a reload has since replaced,
 * when the reload asked to drop such connections. The protocol handler closes the channel with
 * {@code reason}: at once, or (HTTP) once the response in progress is written, so the request that
 * asked for the reload still gets its answer.
 */
public record CertificateRetired(String reason) {}
