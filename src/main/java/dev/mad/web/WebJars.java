package dev.mad.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The WebJar versions the dashboard loads, as pom.xml declares them (Maven writes {@code webjars.properties}). */
final class WebJars {
  static final String UPLOT;
  static final String SOCKJS;
  static final String SOCKJS_URL;

  static {
    Properties p = new Properties();
    try (InputStream in = WebJars.class.getResourceAsStream("/webjars.properties")) {
      if (in == null) {
        throw new IllegalStateException("webjars.properties is missing from the class path");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    UPLOT = p.getProperty("uplot");
    SOCKJS = p.getProperty("sockjs-client");
    SOCKJS_URL = "/webjars/sockjs-client/" + SOCKJS + "/dist/sockjs.min.js";
  }

  private WebJars() {}
}
