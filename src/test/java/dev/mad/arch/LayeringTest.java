package dev.mad.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house's dependency arrows, checked on the compiled classes in every {@code mvn verify}: no
 * package imports a package that imports it back, the engine (detect, batch) knows nothing of the
 * verticles, the bus or the files around it, and only the entry point knows the command line.
 */
class LayeringTest {
  private static JavaClasses product;

  @BeforeAll
  static void load() {
    product =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.mad");
  }

  @Test
  void noPackageCycles() {
    // "dev.(**)" makes every package its own slice, the root dev.mad included
    slices().matching("dev.(**)").should().beFreeOfCycles().check(product);
  }

  @Test
  void theBatchEngineIsPure() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.mad.batch..", "dev.mad.detect..")
        .and()
        .doNotHaveSimpleName("DetectVerticle")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.mad.analysis..",
            "dev.mad.persist..",
            "dev.mad.web..",
            "dev.mad.cli..",
            "dev.mad.collect..",
            "dev.mad.files..",
            "dev.mad.logging..")
        .check(product);
  }

  @Test
  void theBatchEngineDoesNotTouchTheBus() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.mad.batch..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.vertx.core.eventbus..", "dev.mad.bus..")
        .check(product);
  }

  @Test
  void csvReadingKnowsNothingOfTheAnalysis() {
    noClasses()
        .that()
        .resideInAPackage("dev.mad.batch.csv")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("dev.mad.batch.csv", "java..")
        .check(product);
  }

  @Test
  void onlyTheEntryPointUsesTheCommandLine() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.mad", "dev.mad.cli")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.mad.cli")
        .check(product);
  }

  @Test
  void featuresTalkOverTheBusNotToEachOther() {
    String[] features = {
      "dev.mad.web..", "dev.mad.persist..", "dev.mad.collect..", "dev.mad.analysis.."
    };
    for (String feature : features) {
      String[] others =
          Arrays.stream(features).filter(f -> !f.equals(feature)).toArray(String[]::new);
      noClasses()
          .that()
          .resideInAPackage(feature)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(others)
          .check(product);
    }
  }
}
