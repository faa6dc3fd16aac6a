#!/usr/bin/env bash
# Installs (or removes) the Dubbing Editor plugin for DaVinci Resolve Studio on macOS.
#
#   npm run build:resolve-plugin
#   scripts/install-resolve-plugin.sh              # install (asks for your password if needed)
#   scripts/install-resolve-plugin.sh --uninstall  # remove
#
# Copies build/resolve-plugin/<Id>/ to Resolve's Workflow Integration Plugins folder:
#   /Library/Application Support/Blackmagic Design/DaVinci Resolve/Workflow Integration Plugins/
# Set RESOLVE_PLUGINS_DIR to install elsewhere, --build DIR to take the plugin from another build
# folder. WorkflowIntegration.node is NOT copied: the plugin loads it from the Resolve install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build/resolve-plugin"
ACTION=install
while [ $# -gt 0 ]; do
  case "$1" in
    --uninstall) ACTION=uninstall ;;
    --build) BUILD="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "Unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

ID="$(sed -n 's/.*"id"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$ROOT/resources/resolve-plugin/plugin.json" | head -n 1)"
[ -n "$ID" ] || { echo "Cannot read the plugin id from resources/resolve-plugin/plugin.json" >&2; exit 1; }

DEFAULT_DEST="/Library/Application Support/Blackmagic Design/DaVinci Resolve/Workflow Integration Plugins"
DEST_ROOT="${RESOLVE_PLUGINS_DIR:-$DEFAULT_DEST}"
WI_NODE="/Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Workflow Integrations/Examples/SamplePlugin/WorkflowIntegration.node"

if [ -z "${RESOLVE_PLUGINS_DIR:-}" ] && [ "$(uname -s)" != "Darwin" ]; then
  echo "This script installs on macOS. DaVinci Resolve does not load Workflow Integration plugins on Linux;" >&2
  echo "on Windows use scripts/install-resolve-plugin.ps1. Set RESOLVE_PLUGINS_DIR to copy somewhere else." >&2
  exit 1
fi

# Use sudo only when the destination is not writable (it is owned by root by default).
SUDO=""
probe="$DEST_ROOT"
while [ ! -e "$probe" ]; do probe="$(dirname "$probe")"; done
if [ ! -w "$probe" ]; then SUDO="sudo"; fi

TARGET="$DEST_ROOT/$ID"
if [ "$ACTION" = uninstall ]; then
  if [ -e "$TARGET" ]; then $SUDO rm -rf "$TARGET"; echo "Removed $TARGET"; else echo "Not installed: $TARGET"; fi
  exit 0
fi

SRC="$BUILD/$ID"
if [ ! -f "$SRC/manifest.xml" ] || [ ! -f "$SRC/main.js" ]; then
  echo "No built plugin in $SRC. Run: npm run build:resolve-plugin" >&2
  exit 1
fi
if [ -n "$(find "$SRC" -name '*.node' -print -quit)" ]; then
  echo "Refusing to install: the build contains a .node file (WorkflowIntegration.node must come from Resolve)." >&2
  exit 1
fi

$SUDO mkdir -p "$DEST_ROOT"
# Copy next to the target, then swap, so Resolve never sees a half-copied plugin.
TMP="$DEST_ROOT/.$ID.installing.$$"
$SUDO rm -rf "$TMP"
$SUDO cp -R "$SRC" "$TMP"
$SUDO rm -rf "$TARGET"
$SUDO mv "$TMP" "$TARGET"
echo "Installed $ID to $TARGET"

if [ -z "${RESOLVE_PLUGINS_DIR:-}" ] && [ ! -f "$WI_NODE" ]; then
  echo "Warning: $WI_NODE was not found." >&2
  echo "  The plugin needs DaVinci Resolve Studio's WorkflowIntegration.node; if yours is elsewhere, put" >&2
  echo "  {\"workflowIntegrationPath\": \"/full/path/WorkflowIntegration.node\"} in $TARGET/settings.json." >&2
fi
echo "Restart DaVinci Resolve, then open Workspace > Workflow Integrations > Dubbing Editor."
