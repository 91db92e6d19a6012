package org.settee.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small file system of its own (a tmpfs) on a directory, for a real "No space left on device":
 * mounted in a private user and mount namespace, so no privilege is needed and nothing outside sees
 * it. A holder process keeps the namespace, and so the file system and its files, alive across
 * server processes (a kill -9 of the server loses nothing on it) until {@link #close}, or until
 * this JVM ends. Servers run inside it through {@link #launcher()}; {@link #resize} gives space
 * back, or takes it.
 *
 * <p>Needs util-linux's {@code unshare} and {@code nsenter} and a kernel that lets this user create
 * a user namespace. Where that is refused the test is aborted with the reason, except under CI
 * ({@code CI=true}), where it fails: CI's machines can, and a silent skip there would hide a fault.
 */
public final class SmallDisk implements AutoCloseable {
  private final Process holder;
  private final Path mountPoint;

  private SmallDisk(Process holder, Path mountPoint) {
    this.holder = holder;
    this.mountPoint = mountPoint;
  }

  /** Mounts a tmpfs of {@code megabytes} on the (existing, empty) directory. */
  public static SmallDisk mount(Path dir, int megabytes) throws IOException, InterruptedException {
    // The holder waits on its standard input, a pipe from this JVM: whatever way the JVM ends,
    // the pipe closes and the namespace, with the file system, goes.
    String mount =
        "mount -t tmpfs -o size="
            + megabytes
            + "m settee-small-disk \"$0\" && echo mounted"
            + " && exec cat > /dev/null";
    ProcessBuilder pb =
        new ProcessBuilder(
            "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", mount, dir.toString());
    pb.redirectErrorStream(true);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return refused("cannot run unshare: " + e.getMessage());
    }
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (!"mounted".equals(line)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      return refused("unshare could not mount a tmpfs: " + line);
    }
    return new SmallDisk(p, dir);
  }

  private static SmallDisk refused(String why) {
    if ("true".equals(System.getenv("CI"))) {
      throw new AssertionError("a private tmpfs is needed for this test: " + why);
    }
    Assumptions.abort("no private tmpfs on this machine: " + why);
    throw new AssertionError("unreachable");
  }

  /** The command prefix that runs a program inside the namespace, in this JVM's directory. */
  public List<String> launcher() {
    return List.of(
        "nsenter",
        "--target",
        Long.toString(holder.pid()),
        "--user",
        "--mount",
        "--preserve-credentials",
        "--wd=" + System.getProperty("user.dir"),
        "--");
  }

  /** Changes the file system's size: larger gives space back to a full disk. */
  public void resize(int megabytes) throws IOException, InterruptedException {
    run("mount", "-o", "remount,size=" + megabytes + "m", mountPoint.toString());
  }

  /** Takes every free byte with a ballast file (what another program filling the disk does). */
  public void fill() throws IOException, InterruptedException {
    Path ballast = mountPoint.resolve("ballast");
    // cat stops at "No space left on device" (its exit code says so, hence the true); the file
    // may be empty when the disk was full already.
    run("sh", "-c", "cat /dev/zero > \"$0\"; true", ballast.toString());
  }

  /** Deletes the ballast of {@link #fill}: the space is back. */
  public void unfill() throws IOException, InterruptedException {
    run("rm", mountPoint.resolve("ballast").toString());
  }

  /**
   * Whether the file exists on this file system (the test's own view of the directory is empty).
   */
  public boolean contains(Path file) throws IOException, InterruptedException {
    return run("sh", "-c", "test -e \"$0\" && echo yes || echo no", file.toString())
        .trim()
        .equals("yes");
  }

  /** The names in a directory of this file system. */
  public List<String> list(Path dir) throws IOException, InterruptedException {
    return run("ls", "-1", dir.toString()).lines().toList();
  }

  /** {@code df} of the file system, for an assertion's message. */
  public String usage() throws IOException, InterruptedException {
    return run("df", "-h", mountPoint.toString());
  }

  private String run(String... command) throws IOException, InterruptedException {
    List<String> line = new java.util.ArrayList<>(launcher());
    line.addAll(List.of(command));
    Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  /** Ends the holder: the file system and everything on it are gone with the namespace. */
  @Override
  public void close() {
    holder.destroyForcibly();
    try {
      holder.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
