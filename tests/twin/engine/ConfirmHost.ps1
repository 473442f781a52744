# ConfirmHost.ps1 - the answers of an administrator to -Confirm, for
# Invoke-TwinRun -Decline (tests/twin/README.md, "-Confirm answers").
#
# A script run with -Confirm asks through its host before each change
# (ShouldProcess: "Performing the operation "ACTION" on target "TARGET"."). The
# twin has no console, so a run normally passes -Confirm:$false; with -Decline
# it passes -Confirm and runs in a runspace whose host answers every prompt:
# "No" when the prompt's text contains one of the -Decline strings, "Yes"
# otherwise, and keeps each prompt with its answer. Any other interaction
# (Read-Host, a credential prompt, a nested prompt) fails, as without a console.
# The host is C#: it is called on the thread of the script's runspace.

if (-not ('VgpucTwin.ConfirmHost' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace VgpucTwin {
    public sealed class ConfirmUI : PSHostUserInterface {
        private readonly string[] decline;
        public readonly List<string> Prompts = new List<string>();
        public ConfirmUI(string[] decline) { this.decline = decline ?? new string[0]; }
        public override PSHostRawUserInterface RawUI { get { return null; } }
        private static Exception NoConsole() { return new NotSupportedException("twin: the host has no console; only -Confirm prompts are answered"); }
        public override string ReadLine() { throw NoConsole(); }
        public override SecureString ReadLineAsSecureString() { throw NoConsole(); }
        public override void Write(string value) { }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
        public override void WriteLine(string value) { }
        public override void WriteErrorLine(string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) { throw NoConsole(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) { throw NoConsole(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) { throw NoConsole(); }
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) {
            string text = message ?? "";
            bool no = false;
            foreach (string d in decline) {
                if (!string.IsNullOrEmpty(d) && text.IndexOf(d, StringComparison.Ordinal) >= 0) { no = true; }
            }
            string want = no ? "&No" : "&Yes";
            lock (Prompts) { Prompts.Add((no ? "No: " : "Yes: ") + text.Replace("\r", "").Replace("\n", " ")); }
            for (int i = 0; i < choices.Count; i++) {
                if (choices[i].Label == want) { return i; }
            }
            throw new NotSupportedException("twin: a prompt without the choice " + want + ": " + text);
        }
    }

    public sealed class ConfirmHost : PSHost {
        private readonly ConfirmUI ui;
        private readonly Guid id = Guid.NewGuid();
        public ConfirmHost(string[] decline) { ui = new ConfirmUI(decline); }
        public List<string> Prompts { get { return ui.Prompts; } }
        public override string Name { get { return "vgpuc-twin-confirm"; } }
        public override Version Version { get { return new Version(1, 0); } }
        public override Guid InstanceId { get { return id; } }
        public override PSHostUserInterface UI { get { return ui; } }
        public override CultureInfo CurrentCulture { get { return CultureInfo.InvariantCulture; } }
        public override CultureInfo CurrentUICulture { get { return CultureInfo.InvariantCulture; } }
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() { throw new NotSupportedException("twin: no nested prompt"); }
        public override void ExitNestedPrompt() { throw new NotSupportedException("twin: no nested prompt"); }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }
}
'@
}

# A host that answers -Confirm prompts: No to those containing a -Decline string.
function New-TwinConfirmHost {
    param([string[]]$Decline)
    [VgpucTwin.ConfirmHost]::new([string[]]@($Decline))
}
