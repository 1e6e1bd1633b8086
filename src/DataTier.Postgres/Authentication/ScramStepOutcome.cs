namespace DataTier.Postgres.Authentication;

/// <summary>What the host does after a SCRAM server step.</summary>
public enum ScramStepOutcome
{
    /// <summary>Send the step's message in AuthenticationSASLContinue and wait for the client's SASLResponse.</summary>
    Continue,

    /// <summary>Send the step's message in AuthenticationSASLFinal, then AuthenticationOk: the client is authenticated.</summary>
    Succeeded,

    /// <summary>Send <see cref="ScramServerStep.ToErrorFields"/> as a FATAL ErrorResponse and close the connection.</summary>
    Failed,
}
