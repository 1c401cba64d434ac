"""Compare (placeholder until the page is written)."""

import streamlit as st

st.header("Compare")
st.info("coming")
