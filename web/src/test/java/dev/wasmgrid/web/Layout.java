package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import java.nio.file.Path;
import java.util.List;

/** Screenshots of a view at desktop and phone width, and a check of the layout in the page. */
final class Layout {
  /** A screen size the app is checked at. */
  enum Screen {
    DESKTOP(1280, 800),
    PHONE(390, 844);

    final int width;
    final int height;

    Screen(int width, int height) {
      this.width = width;
      this.height = height;
    }

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The layout's faults, as text: the page wider than the viewport, an element reaching past its
   * right edge (outside a scrolling box), or two visible sibling boxes (not inline, not positioned)
   * that overlap. uPlot's layered canvases are its own business and skipped.
   */
  static final String FAULTS =
      """
      () => {
        const faults = [];
        const width = window.innerWidth;
        if (document.documentElement.scrollWidth > width) {
          faults.push(`page ${document.documentElement.scrollWidth} px wide in ${width} px`);
        }
        const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
          + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
        const shown = (e) => {
          const r = e.getBoundingClientRect();
          const s = getComputedStyle(e);
          return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'contents';
        };
        const scrolls = (e) => {
          for (let p = e.parentElement; p; p = p.parentElement) {
            const o = getComputedStyle(p).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
          }
          return false;
        };
        const skipped = (e) => e.closest('.uplot, .skip, .visually-hidden, option, head, script');
        for (const e of document.body.querySelectorAll('*')) {
          if (skipped(e) || !shown(e)) continue;
          const r = e.getBoundingClientRect();
          if (r.right > width + 1 && !scrolls(e)) faults.push(`${name(e)} reaches ${Math.round(r.right)} px`);
          const boxes = [...e.children].filter((c) => !skipped(c) && shown(c)
            && getComputedStyle(c).display !== 'inline'
            && !['absolute', 'fixed'].includes(getComputedStyle(c).position));
          for (let i = 0; i < boxes.length; i++) {
            const a = boxes[i].getBoundingClientRect();
            for (let j = i + 1; j < boxes.length; j++) {
              const b = boxes[j].getBoundingClientRect();
              const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
              const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
              if (x > 1 && y > 1) faults.push(`${name(boxes[i])} overlaps ${name(boxes[j])}`);
            }
          }
        }
        return faults;
      }
      """;

  private Layout() {}

  /** A page of {@code browser} at {@code screen}'s size, watched for trouble. */
  static Browsers.Watched page(Browser browser, Screen screen) {
    return new Browsers.Watched(
        browser.newContext(
            new Browser.NewContextOptions().setViewportSize(screen.width, screen.height)));
  }

  /**
   * Writes {@code target/screenshots/<view>-<screen>.png} and asserts the layout has no fault.
   *
   * @return the screenshot's path
   */
  @SuppressWarnings("unchecked")
  static Path check(Browsers.Watched w, String view, Screen screen) {
    Path shot = w.screenshot(view + "-" + screen.label());
    assertThat(shot).isNotEmptyFile();
    assertThat((List<String>) w.page.evaluate(FAULTS))
        .as("layout faults of the %s view at %s width", view, screen.label())
        .isEmpty();
    return shot;
  }

  /** The page's navigation to {@code view} (its header link), as a user takes it. */
  static void show(Page page, String view) {
    page.locator("nav a[href='#" + view + "']").click();
  }
}
