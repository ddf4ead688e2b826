"""The host end of the MCU link: a serial port by URL, a reader thread, reconnects, link-down and reboots.

I/O shell around the pure codec (:mod:`firmware_bridge.framing`, :mod:`firmware_bridge.messages`):

* opens any pyserial URL; when the port vanishes (USB unplugged) it closes it and retries with backoff
  (50 ms doubling to 400 ms) until the port is back;
* the link is *up* once a frame arrived, *down* after 1 s without any (the MCU sends a STATUS at least every
  250 ms); while down it asks the MCU to IDENTIFY itself every second;
* counts what the decoder rejects and the gaps in the MCU's sequence numbers;
* sees an MCU reboot by a HELLO with a new boot id;
* sends commands and waits for their ACK/NACK.
"""

from __future__ import annotations

import contextlib
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import serial

from firmware_bridge.framing import DecoderStats, Frame, FrameDecoder
from firmware_bridge.messages import (
    PROTOCOL_VERSION,
    Ack,
    Command,
    CommandMessage,
    Hello,
    Message,
    MessageError,
    Nack,
    NackReason,
    decode_message,
    encode_message,
)
from firmware_bridge.weighing import ScaleError

LINK_DOWN_S = 1.0
BACKOFF_S = (0.05, 0.4)
BAUDRATE = 115200
READ_TIMEOUT_S = 0.05


class LinkState(Enum):
    CONNECTING = "connecting"  # port not open (yet, or again)
    WAITING = "waiting"  # port open, no frame yet
    UP = "up"
    DOWN = "down"  # port open but silent for LINK_DOWN_S


class LinkError(ScaleError):
    """A command was refused or not answered, or the link is not up."""


@dataclass
class LinkStats:
    frames: int = 0
    seq_gaps: int = 0  # frames the MCU sent that never arrived (by sequence number)
    bad_bodies: int = 0  # good CRC, body did not fit its type
    unknown_types: int = 0
    reconnects: int = 0
    reboots: int = 0
    link_downs: int = 0
    cpu_s: float = 0.0  # CPU time of the reader thread (decode + everything the callbacks do)
    decoder: DecoderStats = field(default_factory=DecoderStats)


MessageHandler = Callable[[Message, float], None]
StateHandler = Callable[[LinkState], None]
HelloHandler = Callable[[Hello, bool], None]  # (hello, rebooted)


class SerialLink:
    """One MCU on one serial URL; callbacks run on the reader thread."""

    def __init__(
        self,
        url: str,
        on_message: MessageHandler,
        on_state: StateHandler | None = None,
        on_hello: HelloHandler | None = None,
        baudrate: int = BAUDRATE,
        link_down_s: float = LINK_DOWN_S,
    ) -> None:
        self.url = url
        self._on_message = on_message
        self._on_state = on_state
        self._on_hello = on_hello
        self._baudrate = baudrate
        self._link_down_s = link_down_s
        self.stats = LinkStats()
        self.state = LinkState.CONNECTING
        self.hello: Hello | None = None
        self._decoder = FrameDecoder()
        self.stats.decoder = self._decoder.stats
        self._serial: serial.Serial | None = None
        self._write_lock = threading.Lock()
        self._seq = 0
        self._pending: dict[int, tuple[threading.Event, list[Ack | Nack]]] = {}
        self._last_seq: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = threading.Event()
        self.protocol_error: str | None = None
        self._last_rx = time.monotonic()
        self._last_identify = 0.0
        self.frame_log: list[Frame] | None = None  # set to a list to keep every accepted frame (benchmarks)

    # -- lifecycle ---------------------------------------------------------------------------------------

    def open(self, timeout: float = 3.0) -> None:
        """Open the port now (raises ScaleError if it cannot) and start the reader thread."""
        try:
            self._serial = self._open_port()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ScaleError(f"cannot open {self.url}: {exc}") from None
        self._after_open()
        self._thread = threading.Thread(target=self._run, name=f"scale-link {self.url}", daemon=True)
        self._thread.start()
        if not self._connected.wait(timeout):
            self.close()
            why = self.protocol_error or f"no answer from a basketcheck MCU within {timeout:g} s"
            raise ScaleError(f"{self.url}: {why}")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._close_port()

    def _open_port(self) -> serial.Serial:
        port = serial.serial_for_url(self.url, baudrate=self._baudrate, timeout=READ_TIMEOUT_S, write_timeout=1.0)
        with contextlib.suppress(serial.SerialException, OSError):
            port.reset_input_buffer()  # bytes queued while nobody listened belong to no one now
        return port

    def _close_port(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def _after_open(self) -> None:
        self._decoder.reset()
        self._last_seq = None
        self._set_state(LinkState.WAITING)
        self._last_rx = time.monotonic()
        self._last_identify = 0.0
        self._identify()

    # -- commands ----------------------------------------------------------------------------------------

    def _write_message(self, message: Message, waiter: tuple[threading.Event, list[Ack | Nack]] | None = None) -> int:
        with self._write_lock:
            port = self._serial
            if port is None:
                raise LinkError("the scale is not connected")
            seq = self._seq
            self._seq = (self._seq + 1) & 0xFF
            if waiter is not None:  # registered before the bytes leave, so the reply cannot overtake it
                self._pending[seq] = waiter
            try:
                port.write(encode_message(message, seq))
            except (serial.SerialException, OSError) as exc:
                raise LinkError(f"write failed: {exc}") from None
            return seq

    def _identify(self) -> None:
        with contextlib.suppress(LinkError):
            self._write_message(CommandMessage(Command.IDENTIFY))
        self._last_identify = time.monotonic()

    def command(self, command: Command, arg: bytes = b"", timeout: float = 1.0) -> Ack:
        """Send a command and wait for its ACK; LinkError on NACK or silence."""
        event = threading.Event()
        box: list[Ack | Nack] = []
        seq = self._write_message(CommandMessage(command, arg), (event, box))
        try:
            if not event.wait(timeout):
                raise LinkError(f"no ACK for {command.name} within {timeout:g} s")
            reply = box[0]
            if isinstance(reply, Nack):
                try:
                    why = NackReason(reply.reason).name.lower()
                except ValueError:
                    why = f"reason {reply.reason}"
                raise LinkError(f"the MCU refused {command.name}: {why}")
            return reply
        finally:
            self._pending.pop(seq, None)

    def set_streaming(self, on: bool) -> None:
        self.command(Command.STREAM, bytes((1 if on else 0,)))

    def set_rate(self, sps: int) -> None:
        self.command(Command.SET_RATE, struct.pack("<H", sps))

    def reboot(self) -> None:
        self.command(Command.REBOOT)

    # -- reader thread -----------------------------------------------------------------------------------

    def _set_state(self, state: LinkState) -> None:
        if state is self.state:
            return
        if state is LinkState.DOWN:
            self.stats.link_downs += 1
        self.state = state
        if self._on_state is not None:
            self._on_state(state)

    def _run(self) -> None:
        cpu0 = time.thread_time()
        backoff = BACKOFF_S[0]
        while not self._stop.is_set():
            self.stats.cpu_s = time.thread_time() - cpu0
            port = self._serial
            if port is None:
                try:
                    self._serial = self._open_port()
                except (serial.SerialException, OSError, ValueError):
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, BACKOFF_S[1])
                    continue
                backoff = BACKOFF_S[0]
                self.stats.reconnects += 1
                self._after_open()
                continue
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError, TypeError, AttributeError):
                # Port gone (unplugged). TypeError/AttributeError: pyserial racing a close() from another thread.
                self._close_port()
                if not self._stop.is_set():
                    self._set_state(LinkState.CONNECTING)
                continue
            now = time.monotonic()
            if data:
                self._feed(data, now)
            if now - self._last_rx > self._link_down_s and self.state in (LinkState.UP, LinkState.WAITING):
                self._set_state(LinkState.DOWN)
            if self.state in (LinkState.DOWN, LinkState.WAITING) and now - self._last_identify > self._link_down_s:
                self._identify()
        self.stats.cpu_s = time.thread_time() - cpu0

    def _feed(self, data: bytes, now: float) -> None:
        for frame in self._decoder.feed(data):
            try:
                message = decode_message(frame)
            except MessageError:
                self.stats.bad_bodies += 1
                continue
            self.stats.frames += 1
            if self.frame_log is not None:
                self.frame_log.append(frame)
            self._last_rx = now
            if self.protocol_error is not None and not isinstance(message, Hello):
                continue
            if self._last_seq is not None and not isinstance(message, Hello):
                self.stats.seq_gaps += (frame.seq - self._last_seq - 1) & 0xFF
            self._last_seq = frame.seq
            if isinstance(message, Hello):
                self._hello(message)
            elif isinstance(message, Ack | Nack):
                pending = self._pending.get(message.command_seq)
                if pending is not None:
                    pending[1].append(message)
                    pending[0].set()
            if self.state is not LinkState.UP and self.hello is not None:
                self._set_state(LinkState.UP)
                self._connected.set()
            self._on_message(message, now)

    def _hello(self, hello: Hello) -> None:
        if hello.protocol_version != PROTOCOL_VERSION:
            # Another protocol version may lay out its frames differently: never read them as ours.
            self.protocol_error = f"the MCU speaks protocol v{hello.protocol_version}, this host v{PROTOCOL_VERSION}"
            return
        rebooted = self.hello is not None and hello.boot_id != self.hello.boot_id
        if rebooted:
            self.stats.reboots += 1
        self.hello = hello
        if self._on_hello is not None:
            self._on_hello(hello, rebooted)
