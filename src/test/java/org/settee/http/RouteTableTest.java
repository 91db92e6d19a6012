package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {
  static final RestHandler OK = r -> RestResponse.empty(HttpResponseStatus.OK);

  final RouteTable table =
      new RouteTable(
          List.of(
              Route.get("/pools/default/buckets", Access.authenticated(), OK),
              Route.write(HttpMethod.POST, "/pools/default/buckets", Access.authenticated(), OK),
              Route.get("/pools/default/buckets/{bucket}", Access.authenticated(), OK)));

  @Test
  void findsTheRouteForMethodAndPathWithItsParameters() {
    RouteTable.Match m =
        table.match(HttpMethod.GET, List.of("pools", "default", "buckets", "travel"));
    assertThat(m.route()).isNotNull();
    assertThat(m.params()).containsEntry("bucket", "travel");
    assertThat(table.match(HttpMethod.HEAD, List.of("pools", "default", "buckets")).route())
        .isNotNull();
  }

  @Test
  void aKnownPathUnderAnotherMethodListsTheAllowedOnes() {
    RouteTable.Match m = table.match(HttpMethod.DELETE, List.of("pools", "default", "buckets"));
    assertThat(m.route()).isNull();
    assertThat(m.allowed()).containsExactly(HttpMethod.GET, HttpMethod.POST);
    RouteTable.Match none = table.match(HttpMethod.GET, List.of("nothing"));
    assertThat(none.route()).isNull();
    assertThat(none.allowed()).isEmpty();
  }
}
