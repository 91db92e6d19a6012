/**
 * Who may do what: users with salted SCRAM credentials, Couchbase roles and the privileges they
 * grant, and the server side of the SASL exchanges (SCRAM-SHA*, PLAIN) that authenticate a KV
 * connection.
 */
package org.settee.security;
