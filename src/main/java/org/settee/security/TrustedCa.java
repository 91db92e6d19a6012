package org.settee.security;

import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * A CA certificate loaded by {@code POST /node/controller/loadTrustedCAs}: client certificates may
 * chain to it, and {@code /pools/default/trustedCAs} lists it after the node's own CA.
 *
 * @param id as ns_server numbers them: 0 is the node's published CA, loaded ones count from 1
 * @param loadHost the node address the loading request reached
 * @param loadFile the inbox file it was read from
 */
public record TrustedCa(
    int id, X509Certificate certificate, Instant loadTimestamp, String loadHost, String loadFile) {}
