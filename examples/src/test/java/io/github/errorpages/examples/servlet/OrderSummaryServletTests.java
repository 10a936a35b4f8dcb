package io.github.errorpages.examples.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OrderSummaryServletTests {

    @Test
    void countsOrdersByStatus() {
        String orders = "{\"orders\":[{\"id\":1,\"status\":\"shipped\"},{\"id\":2,\"status\":\"packing\"},"
                + "{\"id\":3, \"status\" : \"shipped\"}]}";

        assertThat(OrderSummaryServlet.summary(orders)).isEqualTo("{\"orders\":3,\"by_status\":{\"packing\":1,\"shipped\":2}}");
    }

    @Test
    void summarisesNothingAsZeroOrders() {
        assertThat(OrderSummaryServlet.summary("{\"orders\":[]}")).isEqualTo("{\"orders\":0,\"by_status\":{}}");
    }

    @Test
    void ignoresStatusValuesThatCouldBreakTheJson() {
        assertThat(OrderSummaryServlet.summary("[{\"status\":\"a\\\"b\"},{\"status\":\"<script>\"}]"))
                .isEqualTo("{\"orders\":0,\"by_status\":{}}");
    }
}
