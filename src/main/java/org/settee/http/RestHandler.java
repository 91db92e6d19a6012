package org.settee.http;

/** Answers one kind of request; throws {@link RestException} to refuse it. */
@FunctionalInterface
interface RestHandler {
  RestResponse handle(RestRequest request);
}
